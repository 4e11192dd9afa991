package controls

import "errors"

// Errors returned by this package.
var (
	// ErrIncompleteInputs means Evaluate was called without a catalog,
	// checks or an evaluation clock.
	ErrIncompleteInputs = errors.New("evaluation inputs are incomplete")
	// ErrDigestMismatch means snapshot bytes do not hash to their digest.
	ErrDigestMismatch = errors.New("snapshot bytes do not match their digest")
	// ErrTampered means a stored artefact (snapshot, attachment, previous
	// results) fails its signature check; evaluation stops.
	ErrTampered = errors.New("signature check failed")
	// ErrNoRun means there is no collection run to evaluate.
	ErrNoRun = errors.New("no collection run to evaluate")
)
