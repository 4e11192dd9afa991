// Package eligible holds the AWS HIPAA Eligible Services list the scope
// collector matches services against: a versioned YAML data file embedded in
// the binary (hipaa-eligible-services.yaml), carrying its sources, the date of
// the AWS list it reflects and the date it was last verified, and a strict
// loader for it.
//
// A Cost Explorer SERVICE name is eligible only if it matches an entry of the
// list; a name that matches nothing is unknown, never eligible. Billing-only
// lines (tax, support plans) are ignored. See the data file's header for the
// matching rules and how to update the list.
package eligible
