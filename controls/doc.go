// Package controls turns signed evidence into judgement: it loads the HIPAA
// Security Rule catalog, checks written as YAML with CEL expressions, the
// ownership matrix and the exceptions register, evaluates the checks over
// verified snapshots and derives a status for every catalog entry.
//
// Evaluation is a pure function of its Inputs (snapshot bytes, check files,
// parameters, ownership, exceptions, manual-evidence metadata, the previous
// period's results and an evaluation clock taken from the evidence), so the
// same inputs give byte-identical results.json; an auditor can rebuild it
// from a bundle with Evaluate.
//
// Not seeing is not passing: a check whose evidence is missing, errored or
// partial for an account yields StatusUnknown for that account, naming the
// API action that failed, and every catalog entry gets a status with a
// reason.
package controls
