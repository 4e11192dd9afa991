// Package collectors is the collector runtime: the Collector contract, the
// Descriptor every collector publishes (its evidence kinds and every AWS
// action it calls), a Registry in the database/sql style, and the Runner that
// fans collection out over accounts × regions × collectors with bounded
// concurrency, signs every snapshot and stores it in the locker.
//
// A collector returns an error only for a transport or programming failure.
// A failed call is recorded in the snapshot's errors and its status becomes
// partial or error; the Runner never lets one failure abort a run.
package collectors
