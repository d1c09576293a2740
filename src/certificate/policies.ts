import { ConfigurationError } from '../errors.js';
import { onlyKnownKeys } from '../util/options.js';
import type { CertificateProfile } from './profile.js';
import { ANY_POLICY } from './policy-extensions.js';

/** Certificate policy inputs of path validation (RFC 5280 section 6.1.1). */
export interface PolicyOptions {
  /**
   * user-initial-policy-set (6.1.1 c): policy OIDs, in the anchor's domain, the relying party
   * accepts; a path is valid when it is valid for one of them, or when no explicit policy is
   * required. Including `2.5.29.32.0` (anyPolicy) means any policy.
   * @default any policy
   */
  initialPolicySet?: readonly string[];
  /** initial-explicit-policy (6.1.1 f): the path must be valid for a policy of the set. @default false */
  requireExplicitPolicy?: boolean;
  /** initial-policy-mapping-inhibit (6.1.1 e): policy mappings are not honoured. @default false */
  inhibitPolicyMapping?: boolean;
  /** initial-any-policy-inhibit (6.1.1 g): anyPolicy in a certificate matches nothing. @default false */
  inhibitAnyPolicy?: boolean;
}

const OID = /^[0-2](\.(0|[1-9][0-9]{0,19}))+$/;

/** Whether `value` is a dotted-decimal object identifier (as used for certificate policies). */
export function isPolicyOid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 200 && OID.test(value);
}

/**
 * Validates {@link PolicyOptions}.
 * @throws {ConfigurationError} naming the option under `path`.
 */
export function resolvePolicySettings(options: PolicyOptions | undefined, path: string): PolicySettings {
  if (options === undefined) return DEFAULT_POLICY_SETTINGS;
  if (options === null || typeof options !== 'object') throw new ConfigurationError(`${path} must be an object`);
  onlyKnownKeys(options, ['initialPolicySet', 'requireExplicitPolicy', 'inhibitPolicyMapping', 'inhibitAnyPolicy'], path);
  const flag = (name: 'requireExplicitPolicy' | 'inhibitPolicyMapping' | 'inhibitAnyPolicy'): boolean => {
    const value = options[name] ?? false;
    if (typeof value !== 'boolean') throw new ConfigurationError(`${path}.${name} must be a boolean`);
    return value;
  };
  const set = options.initialPolicySet;
  if (set !== undefined && (!Array.isArray(set) || set.length === 0 || !set.every(isPolicyOid))) {
    throw new ConfigurationError(`${path}.initialPolicySet must be a non-empty array of policy OIDs (dotted decimal, e.g. 0.4.0.194112.1.4)`);
  }
  return Object.freeze({
    initialPolicySet: set === undefined || set.includes(ANY_POLICY) ? undefined : Object.freeze(new Set(set)),
    initialExplicitPolicy: flag('requireExplicitPolicy'),
    initialPolicyMappingInhibit: flag('inhibitPolicyMapping'),
    initialAnyPolicyInhibit: flag('inhibitAnyPolicy'),
  });
}

/** The policy inputs of RFC 5280 section 6.1.1 (c), (e), (f), (g), validated. */
export interface PolicySettings {
  /** user-initial-policy-set; `undefined` is any-policy. */
  readonly initialPolicySet: ReadonlySet<string> | undefined;
  readonly initialExplicitPolicy: boolean;
  readonly initialPolicyMappingInhibit: boolean;
  readonly initialAnyPolicyInhibit: boolean;
}

/** Any policy, no explicit policy required, mapping and anyPolicy allowed: RFC 5280's usual inputs. */
const DEFAULT_POLICY_SETTINGS: PolicySettings = Object.freeze({
  initialPolicySet: undefined,
  initialExplicitPolicy: false,
  initialPolicyMappingInhibit: false,
  initialAnyPolicyInhibit: false,
});

/**
 * Most nodes the valid_policy_tree may hold. Mappings let each level multiply the one above
 * (CVE-2023-0464 in OpenSSL), so certificates an attacker writes must not decide our memory and
 * time; a real PKI's tree holds a few nodes per level.
 */
export const MAX_POLICY_NODES = 1000;

/**
 * The outcome of policy processing. `policies` is the user-constrained policy set (6.1.6) in the
 * anchor's policy domain: empty when the valid_policy_tree is NULL, and `[anyPolicy]` alone when
 * every policy is acceptable (anyPolicy all the way from the anchor to the leaf).
 */
type PolicyOutcome = { readonly ok: true; readonly policies: readonly string[] } | { readonly ok: false; readonly message: string };

interface PolicyNode {
  readonly policy: string;
  expected: ReadonlySet<string>;
  readonly parent: PolicyNode | undefined;
  readonly children: PolicyNode[];
}

class TreeTooLarge extends Error {}

/** The valid_policy_tree, one array of nodes per depth. */
class PolicyTree {
  readonly levels: PolicyNode[][] = [[{ policy: ANY_POLICY, expected: new Set([ANY_POLICY]), parent: undefined, children: [] }]];
  #created = 1;

  add(parent: PolicyNode, depth: number, policy: string, expected: ReadonlySet<string>): void {
    this.#created += 1;
    if (this.#created > MAX_POLICY_NODES) throw new TreeTooLarge();
    const node: PolicyNode = { policy, expected, parent, children: [] };
    parent.children.push(node);
    (this.levels[depth] ??= []).push(node);
  }

  anyAt(depth: number): PolicyNode | undefined {
    return this.levels[depth]?.find((node) => node.policy === ANY_POLICY);
  }

  /** Deletes `nodes` (leaves of the tree at the time of the call). */
  remove(depth: number, nodes: ReadonlySet<PolicyNode>): void {
    if (nodes.size === 0) return;
    this.levels[depth] = (this.levels[depth] ?? []).filter((node) => !nodes.has(node));
    for (const node of nodes) {
      const siblings = node.parent?.children;
      if (siblings) siblings.splice(siblings.indexOf(node), 1);
    }
  }

  /** Deletes nodes of depth `below` or less without children, repeatedly (6.1.3 d.3, 6.1.4 b.2). */
  prune(below: number): void {
    for (let depth = below; depth >= 0; depth -= 1) {
      this.remove(depth, new Set((this.levels[depth] ?? []).filter((node) => node.children.length === 0)));
    }
    this.levels.length = Math.min(this.levels.length, below + 2);
  }

  get empty(): boolean {
    return (this.levels[0]?.length ?? 0) === 0;
  }
}

/**
 * RFC 5280 section 6.1 certificate policy processing over `path`: certificates 1 to n, the one
 * the anchor issued first and the leaf last (6.1.2 d-e, j; 6.1.3 d-f; 6.1.4 a-b, h-j; 6.1.5 a-b, g).
 */
export function processPolicies(path: readonly CertificateProfile[], settings: PolicySettings): PolicyOutcome {
  try {
    return run(path, settings);
  } catch (error) {
    if (error instanceof TreeTooLarge) return { ok: false, message: `the certificate policies of the path need more than ${MAX_POLICY_NODES} policy tree nodes` };
    throw error;
  }
}

function run(path: readonly CertificateProfile[], settings: PolicySettings): PolicyOutcome {
  const n = path.length;
  let tree: PolicyTree | undefined = new PolicyTree();
  // 6.1.2 (d), (e), (j).
  let explicitPolicy = settings.initialExplicitPolicy ? 0 : n + 1;
  let inhibitAnyPolicy = settings.initialAnyPolicyInhibit ? 0 : n + 1;
  let policyMapping = settings.initialPolicyMappingInhibit ? 0 : n + 1;
  for (let i = 1; i <= n; i += 1) {
    const certificate = path[i - 1]!;
    const policies = certificate.certificatePolicies;
    // 6.1.3 (d).
    if (tree && policies) {
      for (const policy of policies) {
        if (policy === ANY_POLICY) continue;
        const matching = tree.levels[i - 1]!.filter((node) => node.expected.has(policy));
        const parents = matching.length ? matching : [tree.anyAt(i - 1)].filter((node) => node !== undefined);
        for (const parent of parents) tree.add(parent, i, policy, new Set([policy]));
      }
      if (policies.includes(ANY_POLICY) && (inhibitAnyPolicy > 0 || (i < n && certificate.selfIssued))) {
        for (const parent of tree.levels[i - 1]!) {
          const present = new Set(parent.children.map((child) => child.policy));
          for (const policy of parent.expected) {
            if (!present.has(policy)) tree.add(parent, i, policy, new Set([policy]));
          }
        }
      }
      tree.prune(i - 1);
      if (tree.empty) tree = undefined;
    }
    // 6.1.3 (e).
    if (!policies) tree = undefined;
    // 6.1.3 (f).
    if (explicitPolicy === 0 && tree === undefined) {
      return { ok: false, message: `certificate ${i} of the path leaves no acceptable policy where an explicit policy is required` };
    }
    if (i === n) break;
    // 6.1.4 (a), (b).
    const mappings = certificate.policyMappings;
    if (mappings) {
      if (mappings.some((m) => m.issuerDomainPolicy === ANY_POLICY || m.subjectDomainPolicy === ANY_POLICY)) {
        return { ok: false, message: `certificate ${i} of the path maps anyPolicy, which RFC 5280 forbids` };
      }
      if (tree) tree = applyMappings(tree, i, mappings, policyMapping > 0);
    }
    // 6.1.4 (h), (i), (j).
    if (!certificate.selfIssued) {
      if (explicitPolicy > 0) explicitPolicy -= 1;
      if (policyMapping > 0) policyMapping -= 1;
      if (inhibitAnyPolicy > 0) inhibitAnyPolicy -= 1;
    }
    const constraints = certificate.policyConstraints;
    if (constraints?.requireExplicitPolicy !== undefined) explicitPolicy = Math.min(explicitPolicy, constraints.requireExplicitPolicy);
    if (constraints?.inhibitPolicyMapping !== undefined) policyMapping = Math.min(policyMapping, constraints.inhibitPolicyMapping);
    if (certificate.inhibitAnyPolicy !== undefined) inhibitAnyPolicy = Math.min(inhibitAnyPolicy, certificate.inhibitAnyPolicy);
  }
  // 6.1.5 (a), (b).
  if (explicitPolicy > 0) explicitPolicy -= 1;
  if (path[n - 1]?.policyConstraints?.requireExplicitPolicy === 0) explicitPolicy = 0;
  // 6.1.5 (g).
  const policies = tree ? userConstrained(tree, n, settings.initialPolicySet) : [];
  if (explicitPolicy === 0 && policies.length === 0) {
    return { ok: false, message: settings.initialPolicySet
      ? `the path is not valid for any of the required policies (${[...settings.initialPolicySet].join(', ')})`
      : 'the path is valid for no certificate policy, and an explicit policy is required' };
  }
  return { ok: true, policies };
}

/** 6.1.4 (b) for certificate `i`'s policy mappings. Returns the tree, or `undefined` when NULL. */
function applyMappings(tree: PolicyTree, i: number, mappings: NonNullable<CertificateProfile['policyMappings']>, allowed: boolean): PolicyTree | undefined {
  const mapped = new Map<string, Set<string>>();
  for (const { issuerDomainPolicy, subjectDomainPolicy } of mappings) {
    const subjects = mapped.get(issuerDomainPolicy) ?? new Set<string>();
    subjects.add(subjectDomainPolicy);
    mapped.set(issuerDomainPolicy, subjects);
  }
  const level = tree.levels[i] ?? [];
  if (!allowed) {
    // (b)(2): mapping inhibited, the mapped policies are dropped.
    tree.remove(i, new Set(level.filter((node) => mapped.has(node.policy))));
    tree.prune(i - 1);
    return tree.empty ? undefined : tree;
  }
  const any = tree.anyAt(i);
  for (const [policy, subjects] of mapped) {
    const nodes = level.filter((node) => node.policy === policy);
    for (const node of nodes) node.expected = subjects;
    // (b)(1): a policy asserted only through anyPolicy gets its own node, under the anyPolicy
    // node of depth i-1 (the parent of the anyPolicy node of depth i).
    if (nodes.length === 0 && any?.parent) tree.add(any.parent, i, policy, subjects);
  }
  return tree;
}

/**
 * 6.1.5 (g): the user-constrained policy set, in the anchor's domain. The valid_policy_node_set
 * is the set of nodes whose parent is anyPolicy; after (d)(3)'s pruning each of them leads to the
 * leaf. Steps (g)(iii)(1)-(4) keep those in the user-initial-policy-set and add the set's other
 * members below an anyPolicy node of depth n, which is what is computed here.
 */
function userConstrained(tree: PolicyTree, n: number, initial: ReadonlySet<string> | undefined): string[] {
  const authorities = new Set<string>();
  for (const level of tree.levels.slice(1, n + 1)) {
    for (const node of level) {
      if (node.parent?.policy === ANY_POLICY && node.policy !== ANY_POLICY) authorities.add(node.policy);
    }
  }
  // anyPolicy reaching the leaf from the anchor makes the path valid for every policy: that is
  // the whole answer, the policies named beside it add nothing.
  const anyAtLeaf = tree.anyAt(n) !== undefined;
  if (initial === undefined) return anyAtLeaf ? [ANY_POLICY] : [...authorities];
  return anyAtLeaf ? [...initial] : [...authorities].filter((policy) => initial.has(policy));
}

/**
 * Whether a path whose user-constrained policy set is `policies` is valid for one of `required`
 * (a relying party's own user-initial-policy-set, with an explicit policy required).
 */
export function satisfiesPolicies(policies: readonly string[], required: readonly string[]): boolean {
  if (policies.length === 0) return false;
  if (policies.includes(ANY_POLICY) || required.includes(ANY_POLICY)) return true;
  return required.some((policy) => policies.includes(policy));
}
