package pdf

import (
	"fmt"
	"strings"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
)

// tocEntry is one line of the table of contents.
type tocEntry struct {
	level  int // 0 chapter, 1 group, 2 item
	anchor string
	label  string // number or citation, printed before the title
	title  string
}

// outline returns the document's table of contents, in page order.
func (d *doc) outline() []tocEntry {
	p := d.r.p
	out := []tocEntry{
		{0, "summary", "1", "Executive summary"},
		{0, "scope", "2", "Scope"},
		{0, "changes", "3", "Change since the previous period"},
		{0, "controls", "4", "Catalog entries"},
	}
	for _, sg := range reports.Safeguards {
		first := true
		for _, c := range p.Controls {
			if c.Safeguard != sg.Name {
				continue
			}
			if first {
				out = append(out, tocEntry{1, "sg:" + sg.Name, sg.Section, sg.Title})
				first = false
			}
			out = append(out, tocEntry{2, "ctl:" + c.ID, c.ID, c.Title})
		}
	}
	out = append(out,
		tocEntry{0, "ownership", "5", "Ownership matrix"},
		tocEntry{0, "exceptions", "6", "Exceptions register"},
		tocEntry{0, "manual", "7", "Manual evidence"},
		tocEntry{0, "evidence", "8", "Evidence index"},
		tocEntry{0, "verify", "9", "How to verify this package"},
		tocEntry{0, "appendix", "A", "Appendix: resources that did not pass"},
	)
	for i, id := range d.r.appendixChecks {
		title := id
		if c := p.Check(id); c != nil && c.Title != "" {
			title = id + ": " + c.Title
		}
		out = append(out, tocEntry{1, "app:" + id, fmt.Sprintf("A.%d", i+1), title})
	}
	return out
}

// appendixLabel returns "A.n" for a check with results in the appendix.
func (d *doc) appendixLabel(id string) string {
	for i, c := range d.r.appendixChecks {
		if c == id {
			return fmt.Sprintf("A.%d", i+1)
		}
	}
	return "A"
}

// build lays out the whole document.
func (d *doc) build() error {
	steps := []func() error{
		d.cover, d.contents, d.summary, d.scope, d.changes, d.controls,
		d.ownership, d.exceptions, d.manual, d.evidence, d.verify, d.appendix,
	}
	for _, step := range steps {
		if err := d.r.ctx.Err(); err != nil {
			return err
		}
		if err := step(); err != nil {
			return err
		}
		if err := d.f.Error(); err != nil {
			return fmt.Errorf("lay out PDF: %w", err)
		}
	}
	return nil
}

func (d *doc) exec(name string) (string, error) { return d.r.text.Execute(name, d.r.data) }

func day(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format("2 January 2006")
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func (d *doc) cover() error {
	p := d.r.p
	f := d.f
	d.newPage("P", "Cover")
	w := d.width()
	top := 30.0
	d.fill(navy)
	f.Rect(0, top, 215.9, 52, "F")
	d.color(white)
	d.font("", 11)
	f.SetXY(marginLeft, top+9)
	f.CellFormat(w, 6, "HIPAA SECURITY RULE  ·  45 CFR PART 164, SUBPART C", "", 1, "L", false, 0, "")
	d.font("B", 26)
	f.SetX(marginLeft)
	f.CellFormat(w, 13, "Evidence Report", "", 1, "L", false, 0, "")
	d.font("", 12)
	f.SetX(marginLeft)
	f.CellFormat(w, 7, d.r.clean(fmt.Sprintf("Audit period %s  ·  %s to %s", p.Period, day(p.PeriodStart), day(p.PeriodEnd.AddDate(0, 0, -1)))), "", 1, "L", false, 0, "")

	f.SetY(top + 62)
	d.font("B", 20)
	d.color(ink)
	d.lines(p.Organization, w, 9, "L")
	f.SetY(f.GetY() + 4)

	facts := [][2]string{
		{"Generated", stamp(p.GeneratedAt)},
		{"Tool version", "hipaa-evidence " + p.ToolVersion},
		{"Evidence run", p.RunID},
		{"Package digest (SHA-256)", p.Digest},
		{"Signing key fingerprint", p.Key.ID},
	}
	for _, kv := range facts {
		d.ensure(6)
		y := f.GetY()
		d.font("B", 8.5)
		d.color(muted)
		f.SetXY(marginLeft, y)
		f.CellFormat(48, 5.5, kv[0], "", 0, "L", false, 0, "")
		if strings.Contains(kv[0], "SHA-256") || strings.Contains(kv[0], "fingerprint") {
			d.mono(8.2)
		} else {
			d.font("", 9)
		}
		d.color(ink)
		f.SetXY(marginLeft+48, y)
		f.CellFormat(w-48, 5.5, d.r.clean(orDash(kv[1])), "", 1, "L", false, 0, "")
	}
	if p.Key.Demo {
		f.SetY(f.GetY() + 2)
		d.callout("DEMO KEY: the evidence was signed with a throwaway demonstration key. It proves nothing about who collected it; do not rely on this report for an audit.", alertFill, alertInk)
	} else {
		f.SetY(f.GetY() + 3)
	}

	// The status of the entries at a glance.
	d.minor(fmt.Sprintf("Status of the %d catalog entries", len(p.Controls)), 20)
	d.stackedBar(marginLeft, f.GetY()+1, w, 7, p.CountStatuses(), len(p.Controls))
	f.SetY(f.GetY() + 10)
	d.legend(p.CountStatuses())
	f.SetY(f.GetY() + 3)

	text, err := d.exec("cover")
	if err != nil {
		return err
	}
	d.blocks(text)
	for _, n := range p.Notes {
		if n.Level == reports.NoteWarning {
			d.callout(n.Text, warnFill, warnEdge)
		}
	}
	return nil
}

func (d *doc) contents() error {
	d.chapter("P", "contents", "Contents")
	f := d.f
	w := d.width()
	for _, e := range d.outline() {
		size, style, indent, lh := 9.0, "", 0.0, 4.6
		switch e.level {
		case 0:
			size, style, lh = 10, "B", 6.2
			d.ensure(lh + 4.6)
		case 1:
			size, style, indent, lh = 9, "B", 5, 5
		case 2:
			size, indent, lh = 8.5, 10, 4.3
		}
		d.ensure(lh)
		y := f.GetY()
		page := d.pageOf(e.anchor)
		num := fmt.Sprint(page)
		if page == 0 {
			num = "0"
		}
		d.font(style, size)
		d.color(ink)
		numW := f.GetStringWidth(num) + 2*cellPad
		labelW := 0.0
		if e.label != "" {
			labelW = 9
			if e.level == 2 {
				labelW = 34
			}
			if e.level == 1 && len(e.label) > 4 {
				labelW = 14
			}
			f.SetXY(marginLeft+indent, y)
			f.CellFormat(labelW, lh, d.r.clean(e.label), "", 0, "L", false, 0, "")
		}
		titleW := w - indent - labelW - numW - 8
		title := d.fit(d.r.clean(e.title), titleW)
		f.SetXY(marginLeft+indent+labelW, y)
		f.CellFormat(titleW, lh, title, "", 0, "L", false, 0, "")
		// Dotted leader between the title and the page number.
		tw := f.GetStringWidth(title) + 2*cellPad
		d.draw(rule)
		f.SetLineWidth(0.25)
		f.SetDashPattern([]float64{0.3, 1.2}, 0)
		f.Line(marginLeft+indent+labelW+tw+1, y+lh-1.3, marginLeft+w-numW-1, y+lh-1.3)
		f.SetDashPattern([]float64{}, 0)
		f.SetXY(marginLeft+w-numW, y)
		f.CellFormat(numW, lh, num, "", 0, "R", false, 0, "")
		f.Link(marginLeft, y, w, lh, d.link(e.anchor))
		f.SetY(y + lh)
	}
	return nil
}

func (d *doc) summary() error {
	p := d.r.p
	f := d.f
	d.chapter("P", "summary", "1  Executive summary")
	text, err := d.exec("summary")
	if err != nil {
		return err
	}
	d.blocks(text)

	// Key figures.
	counts := p.CountStatuses()
	totals := p.TotalCounts()
	figures := []struct {
		value, label string
		color        reports.RGB
	}{
		{fmt.Sprintf("%d / %d", counts[reports.Met]+counts[reports.Inherited], len(p.Controls)), "entries met or inherited", reports.Met.Color()},
		{fmt.Sprint(counts[reports.NotMet]), "entries not met", reports.NotMet.Color()},
		{fmt.Sprint(counts[reports.Unknown]), "entries unknown", reports.Unknown.Color()},
		{reports.FormatInt(totals.Fail), "failing resource results", reports.NotMet.Color()},
		{fmt.Sprint(len(p.OwnershipGaps())), "ownership gaps", warnEdge},
	}
	d.ensure(22)
	y := f.GetY() + 1
	bw := (d.width() - 4*3) / 5
	for i, fig := range figures {
		x := marginLeft + float64(i)*(bw+3)
		d.fill(zebra)
		f.Rect(x, y, bw, 18, "F")
		d.fill(fig.color)
		f.Rect(x, y, bw, 1.2, "F")
		d.font("B", 15)
		d.color(fig.color)
		f.SetXY(x, y+3)
		f.CellFormat(bw, 7, fig.value, "", 0, "C", false, 0, "")
		d.font("", 7.5)
		d.color(muted)
		f.SetXY(x, y+11)
		f.CellFormat(bw, 4, fig.label, "", 0, "C", false, 0, "")
	}
	f.SetY(y + 23)
	d.color(ink)

	d.subheading("", fmt.Sprintf("Status of the %d entries by safeguard", len(p.Controls)), safeguardChartHeight)
	d.safeguardChart()
	d.subheading("", "Change since the previous period", changeChartHeight)
	d.changeChart()

	d.subheading("", "What the statuses mean", 40)
	rows := func(yield func([]cell) bool) {
		prevCounts := p.CountPreviousStatuses()
		for _, s := range reports.ControlStatuses {
			meaning, err := d.r.text.Block("status", string(s), d.r.data)
			if err != nil {
				meaning = err.Error()
			}
			prev := "—"
			if p.Changes.PreviousPeriod != "" {
				prev = fmt.Sprint(prevCounts[s])
			}
			if !yield([]cell{statusCell(s), plain(fmt.Sprint(counts[s])), plain(prev), plain(meaning)}) {
				return
			}
		}
	}
	if _, err := d.r.text.Block("status", string(reports.Met), d.r.data); err != nil {
		return err
	}
	d.table([]column{{title: "Status", width: 17}, {title: "Entries", width: 7, align: "R"},
		{title: "Previous", width: 8, align: "R"}, {title: "Meaning", width: 68}}, rows)
	if len(p.Notes) > 0 {
		d.subheading("", "Notes", 15)
		for _, n := range p.Notes {
			if n.Level == reports.NoteWarning {
				d.callout(n.Text, warnFill, warnEdge)
			} else {
				d.para(n.Text)
			}
		}
	}
	return nil
}

func (d *doc) scope() error {
	p := d.r.p
	d.chapter("P", "scope", "2  Scope")
	text, err := d.exec("scope")
	if err != nil {
		return err
	}
	d.blocks(text)
	d.subheading("", fmt.Sprintf("Accounts (%d)", len(p.Scope.Accounts)), 15)
	d.table([]column{{title: "Account", width: 14, mono: true}, {title: "Name", width: 18}, {title: "Access", width: 36}, {title: "Collection", width: 20}, {title: "Services in use", width: 12}},
		func(yield func([]cell) bool) {
			for _, a := range p.Scope.Accounts {
				status := cell{text: "reached"}
				if a.Error != "" {
					c := alertInk
					status = cell{text: "not reached: " + a.Error, ink: &c, fill: &alertFill}
				}
				usage := plain(orDash(a.ServiceUsage))
				if a.ServiceUsage == "unknown" {
					usage = cell{text: "unknown", ink: &alertInk, fill: &alertFill, bold: true}
				}
				if !yield([]cell{plain(a.ID), plain(orDash(a.Name)), plain(orDash(a.Access)), status, usage}) {
					return
				}
			}
		})
	d.subheading("", "Regions", 8)
	d.para(orDash(strings.Join(p.Scope.Regions, ", ")))
	d.subheading("", fmt.Sprintf("Services in use (%d)", len(p.Scope.Services)), 15)
	el := p.Scope.EligibleList
	d.small(fmt.Sprintf("Compared with: %s, dated %s. Source: %s.", orDash(el.Title), orDash(el.Date), orDash(el.Source)))
	if len(p.Scope.Services) == 0 {
		d.para("No service usage was recorded for the period (Cost Explorer evidence missing or empty); service scope is unknown.")
		return nil
	}
	d.table([]column{{title: "Service", width: 28}, {title: "HIPAA eligibility", width: 14}, {title: "Listed as", width: 22}, {title: "Accounts", width: 16}, {title: "Note", width: 20}},
		func(yield func([]cell) bool) {
			for _, s := range p.Scope.Services {
				el := cell{text: "eligible", ink: ptr(reports.Met.Color()), bold: true}
				switch s.Eligibility {
				case reports.NotEligible:
					el = cell{text: "NOT eligible", ink: &alertInk, fill: &alertFill, bold: true}
				case reports.EligibilityUnknown:
					el = cell{text: "unknown", ink: ptr(reports.Unknown.Color()), bold: true}
				}
				if !yield([]cell{plain(s.Name), el, plain(orDash(s.ListedAs)), plain(strings.Join(s.Accounts, "\n")), plain(s.Note)}) {
					return
				}
			}
		})
	return nil
}

func ptr[T any](v T) *T { return &v }

func (d *doc) changes() error {
	p := d.r.p
	d.chapter("P", "changes", "3  Change since the previous period")
	text, err := d.exec("changes")
	if err != nil {
		return err
	}
	d.blocks(text)
	if p.Changes.PreviousPeriod == "" || len(p.Changes.Items) == 0 {
		return nil
	}
	d.table([]column{{title: "Change", width: 15}, {title: "Entry or check", width: 22}, {title: "Account / region", width: 16},
		{title: "Resource", width: 30}, {title: "Before → after", width: 15}, {title: "Detail", width: 20}},
		func(yield func([]cell) bool) {
			for _, c := range p.Changes.Items {
				subject := c.Control
				if c.CheckID != "" {
					subject = strings.TrimSpace(c.CheckID + " " + c.Control)
				}
				where := strings.TrimSpace(c.AccountID + " " + c.Region)
				ba := ""
				if c.Before != "" || c.After != "" {
					ba = orDash(c.Before) + " → " + orDash(c.After)
				}
				if !yield([]cell{plain(changeLabel(c.Kind)), plain(orDash(subject)), plain(orDash(where)), plain(orDash(c.ResourceID)), plain(ba), plain(c.Detail)}) {
					return
				}
			}
		})
	return nil
}

func changeLabel(k reports.ChangeKind) string {
	switch k {
	case reports.ChangeNewFailure:
		return "New failure"
	case reports.ChangeResolved:
		return "Resolved failure"
	case reports.ChangeNewResource:
		return "New resource"
	case reports.ChangeRemovedResource:
		return "Removed resource"
	case reports.ChangeLapsedException:
		return "Lapsed exception"
	case reports.ChangeStatus:
		return "Status changed"
	}
	return string(k)
}

func (d *doc) controls() error {
	p := d.r.p
	d.chapter("P", "controls", "4  Catalog entries")
	text, err := d.exec("controls")
	if err != nil {
		return err
	}
	d.blocks(text)
	for _, sg := range reports.Safeguards {
		first := true
		for i := range p.Controls {
			c := &p.Controls[i]
			if c.Safeguard != sg.Name {
				continue
			}
			if first {
				d.section = "4  " + sg.Title
				d.ensure(60)
				d.f.SetY(d.f.GetY() + 3)
				d.anchor("sg:" + sg.Name)
				d.f.Bookmark(sg.Title, 1, -1)
				d.font("B", 13.5)
				d.color(navy)
				d.lines(sg.Section+"  "+sg.Title, d.width(), 7, "L")
				d.f.SetY(d.f.GetY() + 2)
				first = false
			}
			if err := d.control(c); err != nil {
				return err
			}
		}
	}
	// Entries outside the five safeguards (none in the HIPAA catalog) still
	// get a section: every entry appears.
	for i := range p.Controls {
		c := &p.Controls[i]
		if !knownSafeguard(c.Safeguard) {
			if err := d.control(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func knownSafeguard(name string) bool {
	for _, sg := range reports.Safeguards {
		if sg.Name == name {
			return true
		}
	}
	return false
}

func kindLabel(c *reports.Control) string {
	switch c.Kind {
	case "standard":
		return "Standard"
	case "implementation_specification":
		req := "Required"
		if c.Requirement == "addressable" {
			req = "Addressable"
		}
		if c.Parent != "" {
			return req + " implementation specification of standard " + c.Parent
		}
		return req + " implementation specification"
	}
	return c.Kind
}

func (d *doc) control(c *reports.Control) error {
	f := d.f
	p := d.r.p
	d.ensure(48)
	y := f.GetY() + 2
	d.draw(rule)
	f.SetLineWidth(0.3)
	f.Line(marginLeft, y, marginLeft+d.width(), y)
	f.SetY(y + 2)
	d.anchor("ctl:" + c.ID)
	f.Bookmark(d.r.clean(c.ID+" "+c.Title), 2, -1)

	// Heading: citation and title, status badge at the right.
	d.font("B", bodySize)
	badgeW := f.GetStringWidth(c.Status.Label()) + 4
	top := f.GetY()
	d.font("B", 11.5)
	d.color(navy)
	for _, line := range d.split(c.ID+"  "+c.Title, d.width()-badgeW-6) {
		f.SetX(marginLeft)
		f.CellFormat(d.width()-badgeW-6, 5.6, line, "", 1, "L", false, 0, "")
	}
	bottom := f.GetY()
	d.badge(marginLeft+d.width()-badgeW, top+0.4, c.Status, bodySize)
	f.SetY(bottom)
	d.font("I", smallSize)
	d.color(muted)
	d.lines(kindLabel(c)+"  ·  "+strings.ToUpper(c.Safeguard[:min(1, len(c.Safeguard))])+c.Safeguard[min(1, len(c.Safeguard)):]+" safeguard", d.width(), smallLine, "L")
	if c.Summary != "" {
		d.lines(c.Summary, d.width(), smallLine, "L")
	}
	f.SetY(f.GetY() + 1.2)

	// Status and why.
	d.font("B", bodySize-0.5)
	d.color(c.Status.Color())
	d.ensure(bodyLine)
	label := "Status: " + c.Status.Label() + "."
	lw := f.GetStringWidth(label) + 2*cellPad
	f.SetX(marginLeft)
	f.CellFormat(lw, bodyLine, label, "", 0, "L", false, 0, "")
	d.font("", bodySize-0.5)
	d.color(ink)
	why := d.split(orDash(c.Reason), d.width()-lw)
	for i, line := range why {
		if i > 0 {
			d.ensure(bodyLine)
		}
		f.SetX(marginLeft + lw)
		f.CellFormat(d.width()-lw, bodyLine, line, "", 1, "L", false, 0, "")
	}
	if c.PreviousStatus != "" && c.PreviousStatus != c.Status {
		d.small(fmt.Sprintf("Changed since %s: was %s.", p.Changes.PreviousPeriod, c.PreviousStatus.Label()))
	}
	f.SetY(f.GetY() + 1)

	// Checks with their counts.
	if len(c.Checks) == 0 {
		if d.hasChildren(c.ID) {
			d.small("No automated check cites this standard directly; its status combines those of its implementation specifications, the ownership matrix and the documents attached as manual evidence.")
		} else {
			d.small("No automated check supports this entry; its status rests on the ownership matrix and the documents attached as manual evidence.")
		}
	} else {
		d.minor("Automated checks", 22)
		d.table([]column{{title: "Check", width: 27, mono: true}, {title: "Title", width: 30}, {title: "Result", width: 9}, {title: "Pass", width: 7, align: "R"},
			{title: "Fail", width: 7, align: "R"}, {title: "Unknown", width: 8.5, align: "R"}, {title: "N/A", width: 5.5, align: "R"}, {title: "Excepted", width: 9, align: "R"}},
			func(yield func([]cell) bool) {
				for _, cc := range c.Checks {
					title := "(check not in the package)"
					if ch := p.Check(cc.ID); ch != nil {
						title = ch.Title
					}
					if len(cc.FailedActions) > 0 {
						title += " (failed: " + strings.Join(cc.FailedActions, ", ") + ")"
					}
					fail := plain(reports.FormatInt(cc.Counts.Fail))
					if cc.Counts.Fail > 0 {
						fail = cell{text: fail.text, ink: &alertInk, bold: true}
					}
					if !yield([]cell{plain(cc.ID), plain(title), resultCell(cc.Status), plain(reports.FormatInt(cc.Counts.Pass)), fail,
						plain(reports.FormatInt(cc.Counts.Unknown)), plain(reports.FormatInt(cc.Counts.NotApplicable)), plain(reports.FormatInt(cc.Counts.Excepted))}) {
						return
					}
				}
			})
	}
	if len(c.NotEvaluated) > 0 {
		var parts []string
		for _, id := range c.NotEvaluated {
			part := id
			for _, ne := range p.NotEvaluated {
				if ne.ID == id && ne.Reason != "" {
					part += " (" + strings.TrimSuffix(strings.TrimSpace(ne.Reason), ".") + ")"
				}
			}
			parts = append(parts, part)
		}
		d.small("Not evaluated, because the collected evidence cannot decide them: " + strings.Join(parts, "; ") + ".")
	}

	// Every resource that did not pass, the first InlineLimit per check here.
	var withOpen []string
	for _, cc := range c.Checks {
		if len(d.r.open[cc.ID]) > 0 {
			withOpen = append(withOpen, cc.ID)
		}
	}
	if len(withOpen) > 0 {
		d.minor("Resources that did not pass", 30)
		for _, id := range withOpen {
			list := d.r.open[id]
			shown := list[:min(len(list), InlineLimit)]
			var c reports.Counts
			for _, f := range list {
				c.Add(f.Status)
			}
			d.ensure(26)
			d.font("", smallSize)
			d.color(ink)
			d.lines(fmt.Sprintf("%s: %s failing, %s unknown, %s excepted", id, reports.FormatInt(c.Fail), reports.FormatInt(c.Unknown), reports.FormatInt(c.Excepted)),
				d.width(), smallLine, "L")
			d.findingsTable(shown, 0)
			if rest := len(list) - len(shown); rest > 0 {
				label := d.appendixLabel(id)
				page := d.pageOf("app:" + id)
				msg := fmt.Sprintf("%s more %s of %s: see Appendix %s, page %d, which lists all %s.",
					reports.FormatInt(rest), plural(rest, "result", "results"), id, label, page, reports.FormatInt(len(list)))
				d.font("I", smallSize)
				d.color(navy)
				d.ensure(smallLine)
				yy := f.GetY()
				d.lines(msg, d.width(), smallLine, "L")
				f.Link(marginLeft, yy, d.width(), f.GetY()-yy, d.link("app:"+id))
				d.color(ink)
				f.SetY(f.GetY() + 2)
			}
		}
	}

	// Owners.
	d.minor("Owners", 22)
	o := c.Owners
	gap := func(role, v string) cell {
		if strings.TrimSpace(v) == "" {
			return cell{text: "GAP: no " + role, ink: &alertInk, fill: &alertFill, bold: true}
		}
		return plain(v)
	}
	d.table([]column{{title: "Builds", width: 25}, {title: "Monitors", width: 25}, {title: "Handles exceptions", width: 25}, {title: "Responsibility", width: 25}},
		func(yield func([]cell) bool) {
			yield([]cell{gap("owner", o.Build), gap("owner", o.Monitor), gap("owner", o.Exceptions), gap("responsibility", o.Responsibility)})
		})

	// Exceptions.
	if len(c.Exceptions) > 0 {
		d.minor("Exceptions", 8)
		for _, id := range c.Exceptions {
			e := p.Exception(id)
			if e == nil {
				d.small(id + ": not in the register")
				continue
			}
			d.font("", smallSize)
			d.color(ink)
			d.lines(fmt.Sprintf("%s (%s, expires %s, covers %d %s): %s Owner: %s. Approved by: %s.",
				e.ID, e.State, day(e.ExpiresAt), e.Matched, plural(e.Matched, "result", "results"), e.Justification, orDash(e.Owner), orDash(e.ApprovedBy)),
				d.width(), smallLine, "L")
		}
		f.SetY(f.GetY() + 1)
	}

	// Manual evidence.
	if len(c.ManualEvidence) == 0 {
		d.small("Manual evidence: none attached.")
	} else {
		d.minor("Manual evidence", 8)
		for _, a := range c.ManualEvidence {
			valid := "no expiry"
			if !a.ValidUntil.IsZero() {
				valid = "valid until " + day(a.ValidUntil)
			}
			if a.Expired {
				valid += " (EXPIRED)"
			}
			d.font("", smallSize)
			if a.Expired {
				d.color(alertInk)
			} else {
				d.color(ink)
			}
			d.lines(fmt.Sprintf("%s, attached %s, %s. %s", a.Name, day(a.AttachedAt), valid, a.Note), d.width(), smallLine, "L")
			d.mono(6.8)
			d.color(muted)
			d.lines("sha256 "+a.Digest, d.width(), 3.2, "L")
		}
		d.color(ink)
	}
	f.SetY(f.GetY() + 2)
	return nil
}

// hasChildren reports whether any catalog entry has id as its parent.
func (d *doc) hasChildren(id string) bool {
	for _, c := range d.r.p.Controls {
		if c.Parent == id {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// findingsTable lists results. When number is positive, a first column
// numbers the rows from it.
func (d *doc) findingsTable(list []reports.Finding, number int) {
	cols := []column{{title: "Status", width: 10}, {title: "Account", width: 12, mono: true}, {title: "Region", width: 10},
		{title: "Resource", width: 40}, {title: "Detail", width: 30}}
	if number > 0 {
		cols = append([]column{{title: "#", width: 6, align: "R"}}, cols...)
		cols[4].width = 36
	}
	d.table(cols, func(yield func([]cell) bool) {
		for i, r := range list {
			detail := r.Detail
			if r.ExceptionID != "" {
				detail = strings.TrimSpace("exception " + r.ExceptionID + ". " + detail)
			}
			row := []cell{resultCell(r.Status), plain(r.AccountID), plain(r.Region), plain(r.ResourceID), plain(detail)}
			if number > 0 {
				row = append([]cell{plain(fmt.Sprint(number + i))}, row...)
			}
			if !yield(row) {
				return
			}
		}
	})
}

func (d *doc) ownership() error {
	p := d.r.p
	d.chapter("P", "ownership", "5  Ownership matrix")
	text, err := d.exec("ownership")
	if err != nil {
		return err
	}
	d.blocks(text)
	gap := func(v string) cell {
		if strings.TrimSpace(v) == "" {
			return cell{text: "GAP", ink: &alertInk, fill: &alertFill, bold: true}
		}
		return plain(v)
	}
	d.table([]column{{title: "Citation", width: 17}, {title: "Entry", width: 24}, {title: "Builds", width: 15}, {title: "Monitors", width: 15},
		{title: "Handles exceptions", width: 15}, {title: "Responsibility", width: 14}},
		func(yield func([]cell) bool) {
			for _, c := range p.Controls {
				if !yield([]cell{plain(c.ID), plain(c.Title), gap(c.Owners.Build), gap(c.Owners.Monitor), gap(c.Owners.Exceptions), gap(c.Owners.Responsibility)}) {
					return
				}
			}
		})
	return nil
}

func (d *doc) exceptions() error {
	p := d.r.p
	d.chapter("P", "exceptions", "6  Exceptions register")
	text, err := d.exec("exceptions")
	if err != nil {
		return err
	}
	d.blocks(text)
	if len(p.Exceptions) == 0 {
		return nil
	}
	d.table([]column{{title: "ID", width: 9}, {title: "Applies to", width: 18}, {title: "Scope", width: 20}, {title: "Justification", width: 25},
		{title: "Owner / approved by", width: 16}, {title: "Expires", width: 10}, {title: "State", width: 11}},
		func(yield func([]cell) bool) {
			for _, e := range p.Exceptions {
				applies := strings.TrimSpace(strings.Join(nonEmpty("check "+e.Check, e.Check, "entry "+e.Control, e.Control), "\n"))
				var scope []string
				if len(e.Accounts) > 0 {
					scope = append(scope, "accounts: "+strings.Join(e.Accounts, ", "))
				}
				if len(e.Resources) > 0 {
					scope = append(scope, "resources: "+strings.Join(e.Resources, ", "))
				}
				if len(scope) == 0 {
					scope = []string{"everywhere"}
				}
				state := cell{text: fmt.Sprintf("active, covers %d", e.Matched), ink: ptr(reports.Met.Color()), bold: true}
				switch e.State {
				case reports.ExceptionExpired:
					state = cell{text: "EXPIRED: lapsed", ink: &alertInk, fill: &alertFill, bold: true}
				case reports.ExceptionUnmatched:
					state = cell{text: "matches nothing", ink: ptr(warnEdge), fill: &warnFill, bold: true}
				}
				if !yield([]cell{plain(e.ID), plain(applies), plain(strings.Join(scope, "\n")), plain(e.Justification),
					plain(orDash(e.Owner) + " / " + orDash(e.ApprovedBy)), plain(e.ExpiresAt.UTC().Format("2006-01-02")), state}) {
					return
				}
			}
		})
	return nil
}

// nonEmpty returns the labels of the pairs (label, value) whose value is set.
func nonEmpty(pairs ...string) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			out = append(out, pairs[i])
		}
	}
	return out
}

func (d *doc) manual() error {
	p := d.r.p
	d.chapter("P", "manual", "7  Manual evidence")
	text, err := d.exec("manual")
	if err != nil {
		return err
	}
	d.blocks(text)
	n := 0
	for _, c := range p.Controls {
		n += len(c.ManualEvidence)
	}
	if n == 0 {
		d.para("No documents are attached for this period.")
		return nil
	}
	d.table([]column{{title: "Entry", width: 15}, {title: "Document", width: 22}, {title: "SHA-256", width: 30, mono: true},
		{title: "Attached", width: 11}, {title: "Valid until", width: 11}, {title: "Note", width: 16}},
		func(yield func([]cell) bool) {
			for _, c := range p.Controls {
				for _, a := range c.ManualEvidence {
					valid := plain(day(a.ValidUntil))
					if a.ValidUntil.IsZero() {
						valid = plain("no expiry")
					}
					if a.Expired {
						valid = cell{text: valid.text + " (EXPIRED)", ink: &alertInk, fill: &alertFill, bold: true}
					}
					if !yield([]cell{plain(c.ID), plain(a.Name), plain(a.Digest), plain(a.AttachedAt.UTC().Format("2006-01-02")), valid, plain(a.Note)}) {
						return
					}
				}
			}
		})
	return nil
}

func (d *doc) evidence() error {
	p := d.r.p
	d.chapter("L", "evidence", "8  Evidence index")
	text, err := d.exec("evidence")
	if err != nil {
		return err
	}
	d.blocks(text)
	if len(p.Evidence) == 0 {
		d.para("No evidence snapshots are recorded.")
		return nil
	}
	d.table([]column{{title: "Evidence kind", width: 40}, {title: "Account", width: 19, mono: true}, {title: "Region", width: 16},
		{title: "Collected", width: 29}, {title: "Status", width: 12}, {title: "SHA-256", width: 86, mono: true}},
		func(yield func([]cell) bool) {
			for _, e := range p.Evidence {
				st := plain(e.Status)
				if e.Status != "ok" {
					st = cell{text: e.Status, ink: &alertInk, fill: &alertFill, bold: true}
					if len(e.FailedActions) > 0 {
						st.text += ": " + strings.Join(e.FailedActions, ", ")
					}
				}
				if !yield([]cell{plain(e.Kind), plain(e.AccountID), plain(e.Region), plain(stamp(e.CollectedAt)), st, plain(e.Digest)}) {
					return
				}
			}
		})
	if len(p.Gaps) > 0 {
		d.subheading("", fmt.Sprintf("Evidence gaps (%d)", len(p.Gaps)), 20)
		d.small("Evidence that could not be seen. Every result that depends on it is unknown; none is counted as a pass.")
		d.table([]column{{title: "Evidence kind", width: 40}, {title: "Account", width: 19, mono: true}, {title: "Region", width: 16},
			{title: "State", width: 14}, {title: "Failed calls", width: 69}, {title: "Snapshot", width: 46, mono: true}},
			func(yield func([]cell) bool) {
				for _, g := range p.Gaps {
					st := cell{text: g.State, ink: &alertInk, fill: &alertFill, bold: true}
					if !yield([]cell{plain(g.Kind), plain(g.AccountID), plain(g.Region), st, plain(orDash(strings.Join(g.FailedActions, ", "))), plain(orDash(g.Evidence))}) {
						return
					}
				}
			})
	}
	if len(p.NotEvaluated) > 0 {
		d.subheading("", fmt.Sprintf("Checks not evaluated (%d)", len(p.NotEvaluated)), 20)
		d.small("Checks of the public mappings that the collected evidence cannot decide. They are listed so that nothing is silently left out.")
		d.table([]column{{title: "Check", width: 45, mono: true}, {title: "Title", width: 70}, {title: "Would support", width: 50}, {title: "Why not evaluated", width: 65}},
			func(yield func([]cell) bool) {
				for _, ne := range p.NotEvaluated {
					if !yield([]cell{plain(ne.ID), plain(ne.Title), plain(strings.Join(ne.Citations, ", ")), plain(ne.Reason)}) {
						return
					}
				}
			})
	}
	return nil
}

func (d *doc) verify() error {
	p := d.r.p
	d.chapter("P", "verify", "9  How to verify this package")
	text, err := d.exec("verify")
	if err != nil {
		return err
	}
	d.blocks(text)
	d.minor("Identifiers", 20)
	d.table([]column{{title: "What", width: 28}, {title: "Value", width: 72, mono: true}}, func(yield func([]cell) bool) {
		for _, kv := range [][2]string{
			{"Package digest (SHA-256 of the JSON model)", p.Digest},
			{"Signing key fingerprint", p.Key.ID},
			{"Evidence run", p.RunID},
			{"Tool version", p.ToolVersion},
		} {
			if !yield([]cell{{text: kv[0]}, plain(orDash(kv[1]))}) {
				return
			}
		}
	})
	return nil
}

func (d *doc) appendix() error {
	p := d.r.p
	d.chapter("P", "appendix", "Appendix A  Resources that did not pass")
	text, err := d.exec("appendix")
	if err != nil {
		return err
	}
	d.blocks(text)
	if len(d.r.appendixChecks) == 0 {
		d.para("Every evaluated resource passed or did not apply; there is nothing to list.")
		return nil
	}
	for i, id := range d.r.appendixChecks {
		list := d.r.open[id]
		title := id
		ch := p.Check(id)
		if ch != nil && ch.Title != "" {
			title = id + ": " + ch.Title
		}
		d.section = fmt.Sprintf("Appendix A.%d  %s", i+1, id)
		d.subheading("app:"+id, fmt.Sprintf("A.%d  %s", i+1, title), 20)
		var c reports.Counts
		for _, f := range list {
			c.Add(f.Status)
		}
		summary := fmt.Sprintf("%s failing, %s unknown, %s excepted.", reports.FormatInt(c.Fail), reports.FormatInt(c.Unknown), reports.FormatInt(c.Excepted))
		if ch != nil {
			summary += " Supports " + strings.Join(ch.Citations, ", ") + "."
			if ch.Remediation != "" {
				summary += " Remediation: " + ch.Remediation
			}
		}
		d.small(summary)
		d.findingsTable(list, 1)
		if err := d.r.ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// stackedBar draws one horizontal bar of width w split by status.
func (d *doc) stackedBar(x, y, w, h float64, counts reports.StatusCounts, total int) {
	f := d.f
	if total == 0 {
		return
	}
	cx := x
	for _, s := range reports.ControlStatuses {
		n := counts[s]
		if n == 0 {
			continue
		}
		sw := w * float64(n) / float64(total)
		d.fill(s.Color())
		f.Rect(cx, y, sw, h, "F")
		label := fmt.Sprint(n)
		d.font("B", 7.5)
		if f.GetStringWidth(label)+1.5 < sw {
			d.color(white)
			f.SetXY(cx, y)
			f.CellFormat(sw, h, label, "", 0, "C", false, 0, "")
		}
		cx += sw
	}
	d.color(ink)
}

// legend writes the status colours with counts on one or two lines.
func (d *doc) legend(counts reports.StatusCounts) {
	f := d.f
	x := marginLeft
	y := f.GetY()
	d.font("", 7.5)
	for _, s := range reports.ControlStatuses {
		label := fmt.Sprintf("%s %d", s.Label(), counts[s])
		w := f.GetStringWidth(label) + 7
		if x+w > marginLeft+d.width() {
			x = marginLeft
			y += 4.5
		}
		d.fill(s.Color())
		f.Rect(x, y+0.8, 2.6, 2.6, "F")
		d.color(ink)
		f.SetXY(x+3, y)
		f.CellFormat(w-3, 4.2, label, "", 0, "L", false, 0, "")
		x += w
	}
	f.SetY(y + 5)
}

// The heights of the charts, so their headings stay with them.
var (
	safeguardChartHeight = float64(len(reports.Safeguards))*8.5 + 16
	changeChartHeight    = float64(len(reports.ControlStatuses))*9.5 + 10
)

// safeguardChart draws one stacked bar per safeguard, scaled to the largest.
func (d *doc) safeguardChart() {
	p := d.r.p
	f := d.f
	by := p.CountBySafeguard()
	most := 1
	for _, sg := range reports.Safeguards {
		n := 0
		for _, v := range by[sg.Name] {
			n += v
		}
		most = max(most, n)
	}
	labelW := 68.0
	barW := d.width() - labelW - 12
	d.ensure(safeguardChartHeight)
	y := f.GetY() + 1
	for _, sg := range reports.Safeguards {
		n := 0
		for _, v := range by[sg.Name] {
			n += v
		}
		d.font("", 8.5)
		d.color(ink)
		f.SetXY(marginLeft, y)
		f.CellFormat(labelW, 6.5, sg.Section+"  "+sg.Title, "", 0, "L", false, 0, "")
		d.fill(zebra)
		f.Rect(marginLeft+labelW, y, barW, 6.5, "F")
		d.stackedBar(marginLeft+labelW, y, barW*float64(n)/float64(most), 6.5, by[sg.Name], n)
		d.font("B", 8.5)
		f.SetXY(marginLeft+labelW+barW, y)
		f.CellFormat(12, 6.5, fmt.Sprint(n), "", 0, "R", false, 0, "")
		y += 8.5
	}
	f.SetY(y + 1)
	d.legend(p.CountStatuses())
	f.SetY(f.GetY() + 2)
}

// changeChart draws, per status, the previous and current number of entries.
func (d *doc) changeChart() {
	p := d.r.p
	f := d.f
	if p.Changes.PreviousPeriod == "" {
		d.para("No earlier period to compare with: this is the first report, or the previous period's results were not available.")
		return
	}
	now, before := p.CountStatuses(), p.CountPreviousStatuses()
	most := 1
	for _, s := range reports.ControlStatuses {
		most = max(most, now[s], before[s])
	}
	labelW := 42.0
	deltaW := 14.0
	barW := d.width() - labelW - deltaW - 10
	d.ensure(changeChartHeight)
	y := f.GetY() + 1
	for _, s := range reports.ControlStatuses {
		d.font("", 8.5)
		d.color(ink)
		f.SetXY(marginLeft, y+1)
		f.CellFormat(labelW, 5, s.Label(), "", 0, "L", false, 0, "")
		c := s.Color()
		pale := reports.RGB{R: uint8((int(c.R) + 2*255) / 3), G: uint8((int(c.G) + 2*255) / 3), B: uint8((int(c.B) + 2*255) / 3)}
		for i, n := range []int{before[s], now[s]} {
			bar := barW * float64(n) / float64(most)
			yy := y + float64(i)*3.6
			if i == 0 {
				d.fill(pale)
			} else {
				d.fill(c)
			}
			if bar > 0 {
				f.Rect(marginLeft+labelW, yy, bar, 3.2, "F")
			}
			d.font("", 6.8)
			d.color(muted)
			f.SetXY(marginLeft+labelW+bar, yy-0.4)
			f.CellFormat(8, 4, fmt.Sprint(n), "", 0, "L", false, 0, "")
		}
		delta := now[s] - before[s]
		ds := "no change"
		if delta != 0 {
			ds = fmt.Sprintf("%+d", delta)
		}
		d.font("B", 8)
		d.color(ink)
		f.SetXY(marginLeft+d.width()-deltaW, y+1)
		f.CellFormat(deltaW, 5, ds, "", 0, "R", false, 0, "")
		y += 9.5
	}
	f.SetY(y)
	d.font("", 7.5)
	d.color(muted)
	d.lines(fmt.Sprintf("Upper, pale bar: %s. Lower, solid bar: %s.", p.Changes.PreviousPeriod, p.Period), d.width(), 4, "L")
	d.color(ink)
	f.SetY(f.GetY() + 2)
}
