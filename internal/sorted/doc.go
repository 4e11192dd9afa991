// Package sorted lists the keys of string-keyed maps in order, for
// deterministic iteration and output.
package sorted
