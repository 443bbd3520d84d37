/** Thrown by the suite's own checks; any runner reports it as a failed test. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}
