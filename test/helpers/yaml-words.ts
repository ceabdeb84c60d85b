/**
 * Words YAML 1.1 reads as booleans, which YAML 1.2's core schema (and so machinist) reads as strings: parsers,
 * writers and readers that disagree on YAML versions disagree on these first.
 */
export const YAML11_BOOLEANS = ['yes', 'no', 'on', 'off', 'y', 'n'];
