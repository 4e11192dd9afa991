package evidence

import "errors"

// Errors returned by this package. Callers match them with errors.Is.
var (
	// ErrMalformed means snapshot bytes are not a valid snapshot.
	ErrMalformed = errors.New("malformed snapshot")
	// ErrBadSignature means a signature does not verify over the data with the key.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrKeyPermissions means a private key file is readable by group or others.
	ErrKeyPermissions = errors.New("private key file is readable by group or others")
	// ErrKeyType means a key is not an ECDSA P-256 key.
	ErrKeyType = errors.New("key is not ECDSA P-256")
	// ErrKeyExists means keys init would overwrite an existing key.
	ErrKeyExists = errors.New("key file already exists")
)
