package reports

import "errors"

// Errors returned by this package.
var (
	// ErrUnknownFormat means no renderer is registered for a format name.
	ErrUnknownFormat = errors.New("unknown report format")
	// ErrTemplate means a report template is missing, malformed or fails
	// to execute; the error names the file.
	ErrTemplate = errors.New("report template")
	// ErrInvalidPackage means a Package breaks a rule of the model (a
	// status outside the vocabulary, a finding of an unknown check).
	ErrInvalidPackage = errors.New("invalid report package")
	// ErrNoResults means the period has no evaluated results to report on.
	ErrNoResults = errors.New("no evaluated results")
)
