/**
 * Attribute types a distinguished name may carry: their registered short names (RFC 4514
 * section 3, RFC 4519, X.520, PKCS #9, the CA/Browser Forum EV types used by Open Banking and
 * eIDAS) and the equality matching rule each one is compared with (RFC 4517 section 4.2).
 */

/** How two values of an attribute compare. */
export type MatchingRule =
  /** RFC 4517 4.2.11 caseIgnoreMatch and 4.2.13 caseIgnoreIA5Match, after RFC 4518 preparation. */
  | 'caseIgnore'
  /** RFC 4517 4.2.29 telephoneNumberMatch: caseIgnore where hyphens and spaces are insignificant. */
  | 'telephoneNumber'
  /** RFC 4517 4.2.22 numericStringMatch: spaces are insignificant. */
  | 'numericString'
  /** Types with no rule known here: the values must be identical. */
  | 'exact';

interface AttributeType {
  readonly oid: string;
  /** Names accepted when parsing, case-insensitively; the first is printed. */
  readonly names: readonly string[];
  readonly rule: MatchingRule;
}

const TYPES: readonly AttributeType[] = [
  // RFC 4514 section 3 table
  { oid: '2.5.4.3', names: ['CN', 'commonName'], rule: 'caseIgnore' },
  { oid: '2.5.4.7', names: ['L', 'localityName'], rule: 'caseIgnore' },
  { oid: '2.5.4.8', names: ['ST', 'stateOrProvinceName', 'S'], rule: 'caseIgnore' },
  { oid: '2.5.4.10', names: ['O', 'organizationName'], rule: 'caseIgnore' },
  { oid: '2.5.4.11', names: ['OU', 'organizationalUnitName'], rule: 'caseIgnore' },
  { oid: '2.5.4.6', names: ['C', 'countryName'], rule: 'caseIgnore' },
  { oid: '2.5.4.9', names: ['STREET', 'streetAddress'], rule: 'caseIgnore' },
  { oid: '0.9.2342.19200300.100.1.25', names: ['DC', 'domainComponent'], rule: 'caseIgnore' },
  { oid: '0.9.2342.19200300.100.1.1', names: ['UID', 'userId'], rule: 'caseIgnore' },
  // RFC 4519 and X.520
  { oid: '2.5.4.4', names: ['SN', 'surname'], rule: 'caseIgnore' },
  { oid: '2.5.4.5', names: ['serialNumber'], rule: 'caseIgnore' },
  { oid: '2.5.4.12', names: ['title'], rule: 'caseIgnore' },
  { oid: '2.5.4.13', names: ['description'], rule: 'caseIgnore' },
  { oid: '2.5.4.15', names: ['businessCategory'], rule: 'caseIgnore' },
  { oid: '2.5.4.16', names: ['postalAddress'], rule: 'caseIgnore' },
  { oid: '2.5.4.17', names: ['postalCode'], rule: 'caseIgnore' },
  { oid: '2.5.4.18', names: ['postOfficeBox'], rule: 'caseIgnore' },
  { oid: '2.5.4.20', names: ['telephoneNumber'], rule: 'telephoneNumber' },
  { oid: '2.5.4.24', names: ['x121Address'], rule: 'numericString' },
  { oid: '2.5.4.41', names: ['name'], rule: 'caseIgnore' },
  { oid: '2.5.4.42', names: ['GN', 'givenName', 'G'], rule: 'caseIgnore' },
  { oid: '2.5.4.43', names: ['initials'], rule: 'caseIgnore' },
  { oid: '2.5.4.44', names: ['generationQualifier'], rule: 'caseIgnore' },
  { oid: '2.5.4.46', names: ['dnQualifier'], rule: 'caseIgnore' },
  { oid: '2.5.4.51', names: ['houseIdentifier'], rule: 'caseIgnore' },
  { oid: '2.5.4.54', names: ['dmdName'], rule: 'caseIgnore' },
  { oid: '2.5.4.65', names: ['pseudonym'], rule: 'caseIgnore' },
  // X.520 (2016): ETSI EN 319 412-1 semantics identifiers, used by eIDAS and Open Banking (PSD2)
  { oid: '2.5.4.97', names: ['organizationIdentifier'], rule: 'caseIgnore' },
  { oid: '2.5.4.98', names: ['countryCode3c'], rule: 'caseIgnore' },
  { oid: '2.5.4.99', names: ['countryCode3n'], rule: 'numericString' },
  // PKCS #9 (RFC 2985): IA5String, caseIgnoreIA5Match
  { oid: '1.2.840.113549.1.9.1', names: ['emailAddress', 'E', 'email'], rule: 'caseIgnore' },
  // CA/Browser Forum EV Guidelines 9.2.4 (jurisdiction of incorporation)
  { oid: '1.3.6.1.4.1.311.60.2.1.1', names: ['jurisdictionL', 'jurisdictionLocalityName'], rule: 'caseIgnore' },
  { oid: '1.3.6.1.4.1.311.60.2.1.2', names: ['jurisdictionST', 'jurisdictionStateOrProvinceName'], rule: 'caseIgnore' },
  { oid: '1.3.6.1.4.1.311.60.2.1.3', names: ['jurisdictionC', 'jurisdictionCountryName'], rule: 'caseIgnore' },
];

const BY_NAME = new Map<string, AttributeType>();
const BY_OID = new Map<string, AttributeType>();
for (const type of TYPES) {
  BY_OID.set(type.oid, type);
  for (const name of type.names) BY_NAME.set(name.toLowerCase(), type);
}

/** The OID of a short name (case-insensitive), or `undefined` when the name is not known. */
export function attributeOid(name: string): string | undefined {
  return BY_NAME.get(name.toLowerCase())?.oid;
}

/** The short name printed for an OID, or `undefined` when it has none. */
export function attributeName(oid: string): string | undefined {
  return BY_OID.get(oid)?.names[0];
}

/** The equality matching rule of an attribute type. */
export function matchingRule(oid: string): MatchingRule {
  return BY_OID.get(oid)?.rule ?? 'exact';
}
