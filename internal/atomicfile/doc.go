// Package atomicfile writes files so that a reader, or the directory after a
// crash, never sees a partial file under the final name.
//
// Every write goes to a temporary file in the destination's directory (so
// that the final step stays within one file system), named TempPrefix + the
// final name + "-" + a random suffix. The temporary file is given its
// permissions, synced to stable storage and closed, and only then moved to
// the final name: renamed over it (Commit, WriteFile), or hard-linked to it
// (CommitNew, WriteNew), which fails when the name exists, so two writers
// can never replace each other's file. A write that fails removes its
// temporary file. SyncDir makes the new name itself durable; callers that
// need that call it after the write.
package atomicfile
