import { childrenOf, DerError, parseTlv, type Tlv } from './der.js';
import { decodeName, type DistinguishedName } from './names.js';

/** One RFC 5280 section 4.2.1.6 GeneralName, in the forms this package compares. */
export type GeneralName =
  | { readonly type: 'dns' | 'email' | 'uri'; readonly value: string }
  | { readonly type: 'ip'; readonly bytes: Buffer }
  | { readonly type: 'dn'; readonly name: DistinguishedName }
  /** otherName, x400Address, ediPartyName, registeredID: carried, never matched. */
  | { readonly type: 'other'; readonly tag: number };

/**
 * Decodes one GeneralName element. GeneralNames are read with the DER reader, not the asn1-x509
 * schema: the schema turns an iPAddress into text (an odd length or a mask with gaps does not come
 * back), and a directoryName's values must keep their DER for name keys.
 */
export function decodeGeneralName(element: Tlv): GeneralName {
  if (element.tagClass !== 0x80) throw new DerError('a GeneralName must be context-tagged');
  switch (element.tagNumber) {
    case 1:
      return { type: 'email', value: ia5(element) };
    case 2:
      return { type: 'dns', value: ia5(element) };
    case 4: {
      const [name, extra] = childrenOf(element);
      if (name === undefined || extra !== undefined) throw new DerError('malformed directoryName');
      return { type: 'dn', name: decodeName(name) };
    }
    case 6:
      return { type: 'uri', value: ia5(element) };
    case 7:
      if (element.constructed) throw new DerError('malformed iPAddress');
      return { type: 'ip', bytes: element.content };
    default:
      return { type: 'other', tag: element.tagNumber };
  }
}

/** Decodes a GeneralNames SEQUENCE (a SAN extension value, for example). */
export function decodeGeneralNames(der: Buffer): GeneralName[] {
  const sequence = parseTlv(der);
  if (sequence.tag !== 0x30) throw new DerError('GeneralNames must be a SEQUENCE');
  return childrenOf(sequence).map(decodeGeneralName);
}

// RFC 5280 4.2.1.6: these names are IA5String; bytes outside ASCII make the certificate malformed.
function ia5(element: Tlv): string {
  if (element.constructed) throw new DerError('expected a primitive IA5String');
  for (const byte of element.content) {
    if (byte > 0x7f) throw new DerError('IA5String holds a non-ASCII byte');
  }
  return element.content.toString('latin1');
}
