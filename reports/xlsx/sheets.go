package xlsx

import (
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
)

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func (b *book) summary() error {
	f, p := b.f, b.p
	const s = SheetSummary
	set := func(ref string, v any, style int) error {
		if str, ok := v.(string); ok {
			v = text(str)
		}
		if err := f.SetCellValue(s, ref, v); err != nil {
			return err
		}
		if style != 0 {
			return f.SetCellStyle(s, ref, ref, style)
		}
		return nil
	}
	if err := set("A1", "HIPAA Security Rule evidence workbook", b.title); err != nil {
		return err
	}
	prev := p.Changes.PreviousPeriod
	if prev == "" {
		prev = "none"
	}
	facts := []struct {
		label string
		value any
		style int
	}{
		{"Organization", p.Organization, 0},
		{"Audit period", p.Period, 0},
		{"Period start", utc(p.PeriodStart), b.date},
		{"Period end (last day)", utc(lastDay(p.PeriodEnd)), b.date},
		{"Generated (UTC)", utc(p.GeneratedAt), b.datetime},
		{"Tool version", "hipaa-evidence " + p.ToolVersion, 0},
		{"Evidence run", p.RunID, 0},
		{"Package digest (SHA-256 of the JSON model)", p.Digest, b.mono},
		{"Signing key fingerprint", p.Key.ID, b.mono},
		{"Signed with a demo key", yesNo(p.Key.Demo), 0},
		{"Previous period", prev, 0},
	}
	row := 3
	for _, fact := range facts {
		if err := set(fmt.Sprintf("A%d", row), fact.label, b.label); err != nil {
			return err
		}
		style := fact.style
		if fact.label == "Signed with a demo key" && p.Key.Demo {
			style = b.note
		}
		if fact.value != nil {
			if err := set(fmt.Sprintf("B%d", row), fact.value, style); err != nil {
				return err
			}
		}
		row++
	}
	row++
	words, err := b.text.Execute("workbook", b.data)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(words, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := set(fmt.Sprintf("A%d", row), strings.TrimSpace(line), 0); err != nil {
			return err
		}
		row++
	}
	for _, n := range p.Notes {
		style := 0
		if n.Level == reports.NoteWarning {
			style = b.note
		}
		if err := set(fmt.Sprintf("A%d", row), n.Text, style); err != nil {
			return err
		}
		row++
	}

	// Status of the entries by safeguard, with a stacked bar chart.
	row += 2
	if err := set(fmt.Sprintf("A%d", row), fmt.Sprintf("Status of the %d catalog entries by safeguard", len(p.Controls)), b.bold); err != nil {
		return err
	}
	row++
	top := row
	cols := []header{{"Safeguard", 0}}
	for _, st := range reports.ControlStatuses {
		cols = append(cols, header{string(st), 0})
	}
	cols = append(cols, header{"total", 0})
	by := p.CountBySafeguard()
	var rows [][]excelize.Cell
	totals := make([]int, len(reports.ControlStatuses))
	for _, sg := range reports.Safeguards {
		r := []excelize.Cell{{Value: sg.Section + " " + sg.Title}}
		n := 0
		for i, st := range reports.ControlStatuses {
			r = append(r, excelize.Cell{Value: by[sg.Name][st]})
			n += by[sg.Name][st]
			totals[i] += by[sg.Name][st]
		}
		rows = append(rows, append(r, excelize.Cell{Value: n}))
	}
	total := []excelize.Cell{{Value: "All entries", StyleID: b.label}}
	sum := 0
	for _, n := range totals {
		total = append(total, excelize.Cell{Value: n, StyleID: b.label})
		sum += n
	}
	rows = append(rows, append(total, excelize.Cell{Value: sum, StyleID: b.label}))
	next, err := b.table(s, top, cols, rows, false)
	if err != nil {
		return err
	}
	var series []excelize.ChartSeries
	for i, st := range reports.ControlStatuses {
		c := col(i + 2)
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$%s$%d", s, c, top),
			Categories: fmt.Sprintf("%s!$A$%d:$A$%d", s, top+1, top+len(reports.Safeguards)),
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", s, c, top+1, c, top+len(reports.Safeguards)),
			Fill:       solid(st.Color().Hex()),
		})
	}
	overlap := 100
	if err := f.AddChart(s, fmt.Sprintf("K%d", 3), &excelize.Chart{
		Type:      excelize.BarStacked,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: fmt.Sprintf("Status of the %d entries by safeguard", len(p.Controls))}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 720, Height: 340},
		YAxis:     excelize.ChartAxis{MajorGridLines: true},
		XAxis:     excelize.ChartAxis{ReverseOrder: true},
		Overlap:   &overlap,
	}); err != nil {
		return fmt.Errorf("add status chart: %w", err)
	}

	// Change since the previous period, with a column chart.
	row = next + 1
	if err := set(fmt.Sprintf("A%d", row), "Change since the previous period", b.bold); err != nil {
		return err
	}
	row++
	top = row
	now, before := p.CountStatuses(), p.CountPreviousStatuses()
	prevTitle := "previous"
	if p.Changes.PreviousPeriod != "" {
		prevTitle = "previous (" + p.Changes.PreviousPeriod + ")"
	}
	rows = rows[:0]
	for _, st := range reports.ControlStatuses {
		r := []excelize.Cell{{Value: string(st)}}
		if p.Changes.PreviousPeriod != "" {
			r = append(r, excelize.Cell{Value: before[st]}, excelize.Cell{Value: now[st]}, excelize.Cell{Value: now[st] - before[st]})
		} else {
			r = append(r, excelize.Cell{}, excelize.Cell{Value: now[st]}, excelize.Cell{})
		}
		rows = append(rows, r)
	}
	next, err = b.table(s, top, []header{{"Status", 0}, {prevTitle, 0}, {"current (" + p.Period + ")", 0}, {"change", 0}}, rows, false)
	if err != nil {
		return err
	}
	if p.Changes.PreviousPeriod != "" {
		var cs []excelize.ChartSeries
		for i, c := range []string{"B", "C"} {
			fill := "9FB3CC"
			if i == 1 {
				fill = "1B365D"
			}
			cs = append(cs, excelize.ChartSeries{
				Name:       fmt.Sprintf("%s!$%s$%d", s, c, top),
				Categories: fmt.Sprintf("%s!$A$%d:$A$%d", s, top+1, top+len(reports.ControlStatuses)),
				Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", s, c, top+1, c, top+len(reports.ControlStatuses)),
				Fill:       solid(fill),
			})
		}
		if err := f.AddChart(s, "K22", &excelize.Chart{
			Type:      excelize.Col,
			Series:    cs,
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Change since " + p.Changes.PreviousPeriod}}},
			Legend:    excelize.ChartLegend{Position: "bottom"},
			Dimension: excelize.ChartDimension{Width: 720, Height: 320},
			YAxis:     excelize.ChartAxis{MajorGridLines: true},
		}); err != nil {
			return fmt.Errorf("add change chart: %w", err)
		}
	}

	// Results by status.
	row = next + 1
	if err := set(fmt.Sprintf("A%d", row), "Automated check results", b.bold); err != nil {
		return err
	}
	t := p.TotalCounts()
	rows = [][]excelize.Cell{
		{{Value: string(reports.Fail)}, {Value: t.Fail}},
		{{Value: string(reports.ResultUnknown)}, {Value: t.Unknown}},
		{{Value: string(reports.Excepted)}, {Value: t.Excepted}},
		{{Value: string(reports.Pass)}, {Value: t.Pass}},
		{{Value: string(reports.NotApplicable)}, {Value: t.NotApplicable}},
		{{Value: "checks evaluated", StyleID: b.label}, {Value: len(p.Checks), StyleID: b.label}},
		{{Value: "results (Findings rows)", StyleID: b.label}, {Value: t.Total(), StyleID: b.label}},
	}
	next, err = b.table(s, row+1, []header{{"Result status", 0}, {"results", 0}}, rows, false)
	if err != nil {
		return err
	}
	if len(p.NotEvaluated) > 0 {
		row = next + 1
		if err := set(fmt.Sprintf("A%d", row), "Checks the collected evidence cannot decide (not evaluated)", b.bold); err != nil {
			return err
		}
		rows = rows[:0]
		for _, ne := range p.NotEvaluated {
			rows = append(rows, []excelize.Cell{{Value: ne.ID}, {Value: ne.Title}, {Value: strings.Join(ne.Citations, ", ")}, {Value: ne.Reason}})
		}
		if _, err := b.table(s, row+1, []header{{"Check", 0}, {"Title", 0}, {"Would support", 0}, {"Why not evaluated", 0}}, rows, false); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(s, "A", "A", 44); err != nil {
		return err
	}
	if err := f.SetColWidth(s, "B", "B", 24); err != nil {
		return err
	}
	return f.SetColWidth(s, "C", "I", 14)
}

func lastDay(end time.Time) time.Time {
	if end.IsZero() {
		return end
	}
	return end.AddDate(0, 0, -1)
}

func (b *book) controls() error {
	p := b.p
	var rows [][]excelize.Cell
	for _, c := range p.Controls {
		var n reports.Counts
		var checks []string
		for _, cc := range c.Checks {
			n.Pass += cc.Counts.Pass
			n.Fail += cc.Counts.Fail
			n.Unknown += cc.Counts.Unknown
			n.NotApplicable += cc.Counts.NotApplicable
			n.Excepted += cc.Counts.Excepted
			checks = append(checks, cc.ID+": "+string(cc.Status))
		}
		for _, id := range c.NotEvaluated {
			checks = append(checks, id+": not evaluated")
		}
		prevStyle := 0
		if c.PreviousStatus != "" {
			prevStyle = b.control[c.PreviousStatus]
		}
		var docs []string
		for _, a := range c.ManualEvidence {
			d := a.Name + " (sha256 " + a.Digest + ")"
			if a.Expired {
				d += " EXPIRED"
			}
			docs = append(docs, d)
		}
		rows = append(rows, []excelize.Cell{
			{Value: c.ID, StyleID: b.wrap}, {Value: c.Title, StyleID: b.wrap}, {Value: c.Safeguard, StyleID: b.wrap},
			{Value: c.Kind, StyleID: b.wrap}, {Value: c.Requirement, StyleID: b.wrap},
			{Value: string(c.Status), StyleID: b.control[c.Status]}, {Value: c.Reason, StyleID: b.wrap},
			{Value: string(c.PreviousStatus), StyleID: prevStyle},
			{Value: strings.Join(checks, "\n"), StyleID: b.wrap},
			{Value: n.Pass}, {Value: n.Fail}, {Value: n.Unknown}, {Value: n.NotApplicable}, {Value: n.Excepted},
			ownerCell(b, c.Owners.Build), ownerCell(b, c.Owners.Monitor), ownerCell(b, c.Owners.Exceptions), ownerCell(b, c.Owners.Responsibility),
			{Value: strings.Join(c.Exceptions, ", "), StyleID: b.wrap},
			{Value: strings.Join(docs, "\n"), StyleID: b.wrap},
			{Value: c.Summary, StyleID: b.wrap},
		})
	}
	cols := []header{{"Citation", 20}, {"Title", 34}, {"Safeguard", 15}, {"Kind", 16}, {"Requirement", 12},
		{"Status", 16}, {"Reason", 50}, {"Previous status", 16}, {"Checks", 32},
		{"Pass", 8}, {"Fail", 8}, {"Unknown", 9}, {"Not applicable", 9}, {"Excepted", 9},
		{"Builds", 22}, {"Monitors", 22}, {"Handles exceptions", 22}, {"Responsibility", 14},
		{"Exceptions", 14}, {"Manual evidence", 40}, {"Summary", 60}}
	if _, err := b.table(SheetControls, 1, cols, rows, true); err != nil {
		return err
	}
	return b.freeze(SheetControls, 2)
}

func ownerCell(b *book, v string) excelize.Cell {
	if strings.TrimSpace(v) == "" {
		return excelize.Cell{Value: "GAP", StyleID: b.gap}
	}
	return excelize.Cell{Value: v, StyleID: b.wrap}
}

// stream writes a streamed sheet: widths, a frozen header row, the rows
// from each, and an autofilter over everything written.
func (b *book) stream(sheet string, cols []header, each func(emit func([]excelize.Cell) error) error) error {
	f := b.f
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, h := range cols {
		if err := sw.SetColWidth(i+1, i+1, h.width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(cols))
	for i, h := range cols {
		head[i] = excelize.Cell{StyleID: b.header, Value: h.title}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	row := 1
	values := make([]any, len(cols))
	err = each(func(cells []excelize.Cell) error {
		row++
		if row%4096 == 0 {
			if err := b.ctx.Err(); err != nil {
				return err
			}
		}
		for i := range values {
			values[i] = nil
			if i < len(cells) {
				values[i] = cells[i]
			}
		}
		ref, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(ref, values)
	})
	if err != nil {
		return err
	}
	if err := f.AutoFilter(sheet, fmt.Sprintf("A1:%s%d", col(len(cols)), max(row, 2)), nil); err != nil {
		return err
	}
	return sw.Flush()
}

func (b *book) evidence() error {
	p := b.p
	cols := []header{{"Evidence kind", 32}, {"Collector", 12}, {"Account", 15}, {"Region", 14}, {"Collected (UTC)", 18},
		{"Status", 10}, {"Failed calls", 40}, {"SHA-256", 68}, {"Path", 60}}
	return b.stream(SheetEvidence, cols, func(emit func([]excelize.Cell) error) error {
		for _, e := range p.Evidence {
			st := 0
			if e.Status != "ok" {
				st = b.gap
			}
			if err := emit([]excelize.Cell{
				cell(e.Kind, 0), cell(e.Collector, 0), cell(e.AccountID, 0), cell(e.Region, 0), cell(utc(e.CollectedAt), b.datetime),
				cell(e.Status, st), cell(strings.Join(e.FailedActions, ", "), 0), cell(e.Digest, b.mono), cell(e.Path, 0),
			}); err != nil {
				return err
			}
		}
		// Evidence that was never collected has no snapshot; it still gets
		// a row, so the sheet shows every gap.
		for _, g := range p.Gaps {
			if g.State != "missing" {
				continue
			}
			if err := emit([]excelize.Cell{
				cell(g.Kind, 0), {}, cell(g.AccountID, 0), cell(g.Region, 0), {},
				cell(g.State, b.gap), cell(strings.Join(g.FailedActions, ", "), 0), {}, {},
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *book) ownership() error {
	p := b.p
	var rows [][]excelize.Cell
	for _, c := range p.Controls {
		o := c.Owners
		gaps := excelize.Cell{Value: strings.Join(o.Gaps, ", "), StyleID: b.wrap}
		if len(o.Gaps) > 0 {
			gaps.StyleID = b.gap
		}
		rows = append(rows, []excelize.Cell{
			{Value: c.ID, StyleID: b.wrap}, {Value: c.Title, StyleID: b.wrap}, {Value: c.Safeguard, StyleID: b.wrap},
			ownerCell(b, o.Build), ownerCell(b, o.Monitor), ownerCell(b, o.Exceptions), ownerCell(b, o.Responsibility),
			{Value: strings.Join(o.EvidenceSources, ", "), StyleID: b.wrap}, gaps,
		})
	}
	cols := []header{{"Citation", 20}, {"Title", 38}, {"Safeguard", 15}, {"Builds", 26}, {"Monitors", 26},
		{"Handles exceptions", 26}, {"Responsibility", 15}, {"Evidence sources", 30}, {"Gaps", 24}}
	if _, err := b.table(SheetOwnership, 1, cols, rows, true); err != nil {
		return err
	}
	return b.freeze(SheetOwnership, 2)
}

func (b *book) exceptions() error {
	p := b.p
	var rows [][]excelize.Cell
	for _, e := range p.Exceptions {
		rows = append(rows, []excelize.Cell{
			{Value: e.ID, StyleID: b.wrap}, {Value: e.Check, StyleID: b.wrap}, {Value: e.Control, StyleID: b.wrap},
			{Value: strings.Join(e.Accounts, "\n"), StyleID: b.wrap}, {Value: strings.Join(e.Resources, "\n"), StyleID: b.wrap},
			{Value: e.Justification, StyleID: b.wrap}, {Value: e.Owner, StyleID: b.wrap}, {Value: e.ApprovedBy, StyleID: b.wrap},
			{Value: utc(e.ExpiresAt), StyleID: b.date}, {Value: string(e.State), StyleID: b.exception[e.State]}, {Value: e.Matched},
		})
	}
	cols := []header{{"ID", 12}, {"Check", 28}, {"Control", 20}, {"Accounts", 16}, {"Resources", 40}, {"Justification", 50},
		{"Owner", 22}, {"Approved by", 18}, {"Expires", 12}, {"State", 12}, {"Results covered", 10}}
	if _, err := b.table(SheetExceptions, 1, cols, rows, true); err != nil {
		return err
	}
	return b.freeze(SheetExceptions, 2)
}

func (b *book) scope() error {
	f, p := b.f, b.p
	const s = SheetScope
	if err := f.SetCellValue(s, "A1", "Accounts"); err != nil {
		return err
	}
	if err := f.SetCellStyle(s, "A1", "A1", b.bold); err != nil {
		return err
	}
	var rows [][]excelize.Cell
	for _, a := range p.Scope.Accounts {
		errCell := excelize.Cell{Value: a.Error, StyleID: b.wrap}
		if a.Error != "" {
			errCell.StyleID = b.gap
		}
		usage := excelize.Cell{Value: a.ServiceUsage, StyleID: b.wrap}
		if a.ServiceUsage == "unknown" {
			usage.StyleID = b.gap
		}
		rows = append(rows, []excelize.Cell{{Value: a.ID, StyleID: b.wrap}, {Value: a.Name, StyleID: b.wrap}, {Value: a.Access, StyleID: b.wrap}, errCell, usage})
	}
	next, err := b.table(s, 2, []header{{"Account", 28}, {"Name", 24}, {"Access", 30}, {"Error", 40}, {"Services in use", 44}}, rows, false)
	if err != nil {
		return err
	}
	row := next + 1
	for _, kv := range [][2]string{{"Regions", strings.Join(p.Scope.Regions, ", ")}} {
		if err := f.SetCellValue(s, fmt.Sprintf("A%d", row), kv[0]); err != nil {
			return err
		}
		if err := f.SetCellStyle(s, fmt.Sprintf("A%d", row), fmt.Sprintf("A%d", row), b.bold); err != nil {
			return err
		}
		if err := f.SetCellValue(s, fmt.Sprintf("B%d", row), text(kv[1])); err != nil {
			return err
		}
		row++
	}
	row++
	if err := f.SetCellValue(s, fmt.Sprintf("A%d", row), "Services in use"); err != nil {
		return err
	}
	if err := f.SetCellStyle(s, fmt.Sprintf("A%d", row), fmt.Sprintf("A%d", row), b.bold); err != nil {
		return err
	}
	rows = rows[:0]
	for _, sv := range p.Scope.Services {
		rows = append(rows, []excelize.Cell{{Value: sv.Name, StyleID: b.wrap}, {Value: string(sv.Eligibility), StyleID: b.eligibility[sv.Eligibility]},
			{Value: sv.ListedAs, StyleID: b.wrap}, {Value: strings.Join(sv.Accounts, ", "), StyleID: b.wrap}, {Value: sv.Note, StyleID: b.wrap}})
	}
	next, err = b.table(s, row+1, []header{{"Service", 28}, {"HIPAA eligibility", 24}, {"Listed as", 30}, {"Accounts", 40}, {"Note", 44}}, rows, false)
	if err != nil {
		return err
	}
	row = next + 1
	el := p.Scope.EligibleList
	var listDate any = el.Date
	if t, err := time.Parse("2006-01-02", el.Date); err == nil {
		listDate = t
	}
	for _, kv := range []struct {
		label string
		value any
		style int
	}{
		{"Eligible-services list", el.Title, 0},
		{"List dated", listDate, b.date},
		{"List source", el.Source, 0},
		{"List may be out of date", yesNo(el.Stale), 0},
	} {
		ref := fmt.Sprintf("A%d", row)
		if err := f.SetCellValue(s, ref, kv.label); err != nil {
			return err
		}
		if err := f.SetCellStyle(s, ref, ref, b.label); err != nil {
			return err
		}
		v := kv.value
		if str, ok := v.(string); ok {
			v = text(str)
		}
		ref = fmt.Sprintf("B%d", row)
		if err := f.SetCellValue(s, ref, v); err != nil {
			return err
		}
		style := kv.style
		if kv.label == "List may be out of date" && el.Stale {
			style = b.note
		}
		if style != 0 {
			if err := f.SetCellStyle(s, ref, ref, style); err != nil {
				return err
			}
		}
		row++
	}
	return nil
}

func (b *book) changes() error {
	f, p := b.f, b.p
	const s = SheetChanges
	title := "No earlier period to compare with"
	if p.Changes.PreviousPeriod != "" {
		title = fmt.Sprintf("Change from %s to %s", p.Changes.PreviousPeriod, p.Period)
	}
	if err := f.SetCellValue(s, "A1", title); err != nil {
		return err
	}
	if err := f.SetCellStyle(s, "A1", "A1", b.bold); err != nil {
		return err
	}
	var rows [][]excelize.Cell
	for _, c := range p.Changes.Items {
		rows = append(rows, []excelize.Cell{
			{Value: string(c.Kind), StyleID: b.wrap}, {Value: c.Control, StyleID: b.wrap}, {Value: c.CheckID, StyleID: b.wrap},
			{Value: c.AccountID, StyleID: b.wrap}, {Value: c.Region, StyleID: b.wrap}, {Value: c.ResourceID, StyleID: b.wrap},
			{Value: c.Before, StyleID: b.wrap}, {Value: c.After, StyleID: b.wrap}, {Value: c.Detail, StyleID: b.wrap},
		})
	}
	cols := []header{{"Change", 18}, {"Control", 20}, {"Check", 30}, {"Account", 15}, {"Region", 14}, {"Resource", 56},
		{"Before", 14}, {"After", 14}, {"Detail", 44}}
	if _, err := b.table(s, 3, cols, rows, true); err != nil {
		return err
	}
	return b.freeze(s, 4)
}
