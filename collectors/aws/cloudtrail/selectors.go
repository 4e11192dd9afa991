package cloudtrail

import (
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// s3ObjectType is the data resource type of S3 object-level events.
const s3ObjectType = "AWS::S3::Object"

// selection is the summary of one selector, before aggregation.
type selection struct {
	read, write bool
	// filtered: the selector narrows events by a field the summary does not
	// model, so it covers only part of what read/write say.
	filtered bool
	// excluded event sources (management selectors).
	excluded map[string]bool
	// S3 coverage (data selectors).
	allBuckets bool
	buckets    map[string]bool
	prefixes   map[string]bool
}

func newSelection() selection {
	return selection{excluded: map[string]bool{}, buckets: map[string]bool{}, prefixes: map[string]bool{}}
}

// summarise builds a trail's EventSelection from the GetEventSelectors
// output. Basic selectors are read as the CloudTrail User Guide describes
// them (ReadWriteType, IncludeManagementEvents defaulting to true,
// ExcludeManagementEventSources, DataResources of type AWS::S3::Object whose
// value "arn:aws:s3" or "arn:aws:s3:::" means every bucket). Advanced
// selectors are read field by field: eventCategory, readOnly, eventSource
// (NotEquals as exclusions), resources.type and resources.ARN (StartsWith);
// any other condition marks the selector as filtered. Selectors are ORed.
func summarise(basic []types.EventSelector, advanced []types.AdvancedEventSelector) *EventSelection {
	es := &EventSelection{
		Mode:                   "none",
		EventSelectors:         []EventSelector{},
		AdvancedEventSelectors: []AdvancedEventSelector{},
	}
	var mgmt, s3 []selection
	switch {
	case len(advanced) > 0:
		es.Mode = "advanced"
		for _, a := range advanced {
			es.AdvancedEventSelectors = append(es.AdvancedEventSelectors, convertAdvanced(a))
			kind, sel := advancedSelection(a)
			switch kind {
			case "management":
				mgmt = append(mgmt, sel)
			case "s3":
				s3 = append(s3, sel)
			}
		}
	case len(basic) > 0:
		es.Mode = "basic"
		for _, b := range basic {
			es.EventSelectors = append(es.EventSelectors, convertBasic(b))
			m, d := basicSelections(b)
			if m != nil {
				mgmt = append(mgmt, *m)
			}
			s3 = append(s3, d...)
		}
	}
	es.ManagementEvents = aggregateManagement(mgmt)
	es.S3DataEvents = aggregateS3(s3)
	return es
}

func readWrite(rw types.ReadWriteType) (read, write bool) {
	switch rw {
	case types.ReadWriteTypeReadOnly:
		return true, false
	case types.ReadWriteTypeWriteOnly:
		return false, true
	default: // All, or absent (the API's default is All)
		return true, true
	}
}

func basicSelections(b types.EventSelector) (*selection, []selection) {
	read, write := readWrite(b.ReadWriteType)
	var m *selection
	if b.IncludeManagementEvents == nil || *b.IncludeManagementEvents {
		s := newSelection()
		s.read, s.write = read, write
		for _, src := range b.ExcludeManagementEventSources {
			s.excluded[src] = true
		}
		m = &s
	}
	var data []selection
	for _, dr := range b.DataResources {
		if aws.ToString(dr.Type) != s3ObjectType {
			continue
		}
		s := newSelection()
		s.read, s.write = read, write
		for _, v := range dr.Values {
			addS3Value(&s, v)
		}
		data = append(data, s)
	}
	return m, data
}

// addS3Value records one S3 ARN or ARN prefix: "arn:<partition>:s3" or
// "arn:<partition>:s3:::" is every bucket, "arn:<partition>:s3:::bucket/" (or
// without the slash) a whole bucket, anything longer a prefix.
func addS3Value(s *selection, v string) {
	v = strings.TrimSpace(v)
	parts := strings.SplitN(v, ":", 6)
	if len(parts) < 3 || parts[0] != "arn" || parts[2] != "s3" {
		s.filtered = true
		return
	}
	if len(parts) < 6 || parts[5] == "" {
		s.allBuckets = true
		return
	}
	bucket, rest, _ := strings.Cut(parts[5], "/")
	switch {
	case bucket == "":
		s.filtered = true
	case rest == "":
		s.buckets[bucket] = true
	default:
		s.prefixes[bucket+"/"+rest] = true
	}
}

func fieldName(f types.AdvancedFieldSelector) string { return aws.ToString(f.Field) }

func contains(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// advancedSelection classifies an advanced selector as "management", "s3" or
// "" (other data events, network activity, ...) and summarises it.
func advancedSelection(a types.AdvancedEventSelector) (string, selection) {
	s := newSelection()
	s.read, s.write = true, true
	var category, resourceType *types.AdvancedFieldSelector
	for i := range a.FieldSelectors {
		f := &a.FieldSelectors[i]
		switch fieldName(*f) {
		case "eventCategory":
			category = f
		case "resources.type":
			resourceType = f
		}
	}
	kind := ""
	switch {
	case category != nil && contains(category.Equals, "Management"):
		kind = "management"
	case category != nil && contains(category.Equals, "Data") && resourceType != nil && contains(resourceType.Equals, s3ObjectType):
		kind = "s3"
		s.allBuckets = true
	default:
		return "", s
	}
	for _, f := range a.FieldSelectors {
		switch name := fieldName(f); name {
		case "eventCategory", "resources.type":
			if len(f.NotEquals)+len(f.StartsWith)+len(f.EndsWith)+len(f.NotStartsWith)+len(f.NotEndsWith) > 0 {
				s.filtered = true
			}
		case "readOnly":
			s.read, s.write = readOnlyField(f)
		case "eventSource":
			if kind == "management" && len(f.Equals)+len(f.StartsWith)+len(f.EndsWith)+len(f.NotStartsWith)+len(f.NotEndsWith) == 0 {
				for _, src := range f.NotEquals {
					s.excluded[src] = true
				}
			} else {
				s.filtered = true
			}
		case "resources.ARN":
			if kind != "s3" || len(f.StartsWith) == 0 || len(f.Equals)+len(f.EndsWith)+len(f.NotEquals)+len(f.NotStartsWith)+len(f.NotEndsWith) > 0 {
				s.filtered = true
				s.allBuckets = false
				continue
			}
			s.allBuckets = false
			for _, v := range f.StartsWith {
				addS3Value(&s, v)
			}
		default:
			s.filtered = true
		}
	}
	return kind, s
}

// readOnlyField reads a readOnly condition: Equals "true" is read events,
// "false" write events; NotEquals the opposite.
func readOnlyField(f types.AdvancedFieldSelector) (read, write bool) {
	for _, v := range f.Equals {
		switch strings.ToLower(v) {
		case "true":
			read = true
		case "false":
			write = true
		}
	}
	if len(f.Equals) > 0 {
		return read, write
	}
	read, write = true, true
	for _, v := range f.NotEquals {
		switch strings.ToLower(v) {
		case "true":
			read = false
		case "false":
			write = false
		}
	}
	return read, write
}

func rwType(read, write bool) string {
	switch {
	case read && write:
		return "All"
	case read:
		return "ReadOnly"
	case write:
		return "WriteOnly"
	default:
		return "None"
	}
}

// aggregateManagement ORs management selectors. For each access type, a
// source is excluded only when every unfiltered selector covering that
// access excludes it.
func aggregateManagement(sels []selection) ManagementEvents {
	me := ManagementEvents{ExcludedSources: []string{}}
	excluded := map[string]bool{}
	full := map[bool]bool{}
	for _, read := range []bool{true, false} {
		covers := func(s selection) bool {
			if read {
				return s.read
			}
			return s.write
		}
		var unfiltered []selection
		seen := false
		for _, s := range sels {
			if !covers(s) {
				continue
			}
			seen = true
			if !s.filtered {
				unfiltered = append(unfiltered, s)
			}
		}
		if read {
			me.Read = seen
		} else {
			me.Write = seen
		}
		if seen && len(unfiltered) == 0 {
			me.Filtered = true
		}
		if len(unfiltered) == 0 {
			continue
		}
		common := map[string]bool{}
		for src := range unfiltered[0].excluded {
			common[src] = true
		}
		for _, s := range unfiltered[1:] {
			for src := range common {
				if !s.excluded[src] {
					delete(common, src)
				}
			}
		}
		for src := range common {
			excluded[src] = true
		}
		full[read] = len(common) == 0
	}
	for src := range excluded {
		me.ExcludedSources = append(me.ExcludedSources, src)
	}
	sort.Strings(me.ExcludedSources)
	me.ReadWriteType = rwType(me.Read, me.Write)
	me.All = me.Read && me.Write && full[true] && full[false] && !me.Filtered
	return me
}

func aggregateS3(sels []selection) S3DataEvents {
	cover := func(read bool) S3Coverage {
		c := S3Coverage{Buckets: []string{}, Prefixes: []string{}}
		buckets, prefixes := map[string]bool{}, map[string]bool{}
		for _, s := range sels {
			if (read && !s.read) || (!read && !s.write) {
				continue
			}
			if s.filtered {
				c.Filtered = true
				continue
			}
			if s.allBuckets {
				c.AllBuckets = true
			}
			for b := range s.buckets {
				buckets[b] = true
			}
			for p := range s.prefixes {
				prefixes[p] = true
			}
		}
		c.Buckets = sorted.Keys(buckets)
		c.Prefixes = sorted.Keys(prefixes)
		return c
	}
	d := S3DataEvents{Read: cover(true), Write: cover(false)}
	d.AllBucketsReadWrite = d.Read.AllBuckets && d.Write.AllBuckets
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func convertBasic(b types.EventSelector) EventSelector {
	out := EventSelector{
		ReadWriteType:                 string(b.ReadWriteType),
		IncludeManagementEvents:       b.IncludeManagementEvents == nil || *b.IncludeManagementEvents,
		ExcludeManagementEventSources: nonNil(b.ExcludeManagementEventSources),
		DataResources:                 []DataResource{},
	}
	if out.ReadWriteType == "" {
		out.ReadWriteType = string(types.ReadWriteTypeAll)
	}
	for _, dr := range b.DataResources {
		out.DataResources = append(out.DataResources, DataResource{Type: aws.ToString(dr.Type), Values: nonNil(dr.Values)})
	}
	return out
}

func convertAdvanced(a types.AdvancedEventSelector) AdvancedEventSelector {
	out := AdvancedEventSelector{Name: aws.ToString(a.Name), FieldSelectors: []FieldSelector{}}
	for _, f := range a.FieldSelectors {
		out.FieldSelectors = append(out.FieldSelectors, FieldSelector{
			Field:         aws.ToString(f.Field),
			Equals:        nonNil(f.Equals),
			StartsWith:    nonNil(f.StartsWith),
			EndsWith:      nonNil(f.EndsWith),
			NotEquals:     nonNil(f.NotEquals),
			NotStartsWith: nonNil(f.NotStartsWith),
			NotEndsWith:   nonNil(f.NotEndsWith),
		})
	}
	return out
}
