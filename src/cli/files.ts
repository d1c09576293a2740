import { readFile } from 'node:fs/promises';
import { ClientCertificate } from '../certificate/certificate.js';
import { UsageError } from './args.js';

/** Every certificate of a PEM bundle, or the one certificate of a DER file. */
export async function readCertificates(file: string): Promise<ClientCertificate[]> {
  const bytes = await readFile(file).catch((cause: unknown) => {
    throw new UsageError(`${file} could not be read: ${(cause as Error).message}`);
  });
  const text = bytes.toString('latin1');
  try {
    const certificates = text.includes('-----BEGIN') ? ClientCertificate.list(text) : [ClientCertificate.from(bytes)];
    if (certificates.length === 0) throw new Error('no CERTIFICATE block');
    return certificates;
  } catch (cause) {
    throw new UsageError(`${file} holds no usable certificate: ${(cause as Error).message}`);
  }
}

/** The single certificate of a file (the first of a bundle is the leaf, the rest its chain). */
export async function readLeaf(file: string): Promise<{ leaf: ClientCertificate; chain: ClientCertificate[] }> {
  const [leaf, ...chain] = await readCertificates(file);
  return { leaf: leaf!, chain };
}

/** A JSON object file (client metadata). */
export async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new UsageError(`${file} is not a readable JSON file: ${(cause as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${file} must hold a JSON object`);
  return value as Record<string, unknown>;
}
