/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** Where a command writes; the defaults are the process streams. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
}

/**
 * The arguments of one verb: positionals, flags, single-valued options and list options (the
 * values that follow the option name up to the next `--name`, as in `--anchors a.pem b.pem`).
 */
export class Arguments {
  readonly #rest: string[];

  constructor(argv: readonly string[]) {
    this.#rest = [...argv];
  }

  flag(name: string): boolean {
    const index = this.#rest.indexOf(name);
    if (index === -1) return false;
    this.#rest.splice(index, 1);
    return true;
  }

  option(name: string): string | undefined {
    const index = this.#rest.indexOf(name);
    if (index === -1) return undefined;
    const value = this.#rest[index + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
    this.#rest.splice(index, 2);
    return value;
  }

  /** Every value of a list option, which may also be repeated (`--chain a.pem --chain b.pem`). */
  list(name: string): string[] {
    const values: string[] = [];
    for (let index = this.#rest.indexOf(name); index !== -1; index = this.#rest.indexOf(name)) {
      let end = index + 1;
      while (end < this.#rest.length && !this.#rest[end]!.startsWith('--')) end += 1;
      if (end === index + 1) throw new UsageError(`${name} needs at least one value`);
      values.push(...this.#rest.splice(index, end - index).slice(1));
    }
    return values;
  }

  /**
   * The positionals left once every option was taken; refuses unknown options and extra
   * positionals, so a typo is reported instead of ignored.
   */
  positionals(count: number, usage: string): string[] {
    const unknown = this.#rest.find((arg) => arg.startsWith('--'));
    if (unknown !== undefined) throw new UsageError(`unknown option ${unknown}`);
    if (this.#rest.length !== count) throw new UsageError(`expected ${usage}`);
    return this.#rest;
  }
}
