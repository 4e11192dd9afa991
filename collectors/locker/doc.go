// Package locker stores signed evidence in a local directory.
//
// Layout:
//
//	LOCKER/
//	  objects/sha256/ab/<digest>.json        snapshot bytes, named by their SHA-256
//	  objects/sha256/ab/<digest>.json.sig    the signature made at collection
//	  runs/<run-id>/manifest.json            the signed run manifest
//	  runs/<run-id>/manifest.json.sig
//	  files/...                              other signed artefacts (results, attachments)
//
// Every write goes to a temporary file in the same directory, is synced and
// then renamed into place, so a crash never leaves a partial object visible.
// Nothing is ever overwritten: an object that already exists is left alone
// (its name is its content), and a run directory appears only when its
// manifest is complete.
package locker
