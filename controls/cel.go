package controls

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
)

// The variables a check's CEL expressions can read. Every expression sees
// all of them; the ones a scope does not bind are absent (reading one is an
// evaluation error, which makes the result unknown).
const (
	// varItem is the current element of for_each (resource scope: the whole
	// payload when for_each is empty).
	varItem = "item"
	// varPayload is the payload of the current snapshot (resource scope).
	varPayload = "payload"
	// varSnapshot describes the current snapshot (resource scope): kind,
	// account_id, region, digest, collected_at, payload.
	varSnapshot = "snapshot"
	// varSnapshots lists the snapshots of the check's first evidence kind in
	// the unit (account scope: the account's, every region; organization
	// scope: every account's), each shaped like snapshot.
	varSnapshots = "snapshots"
	// varEvidence maps each evidence kind the check declares to the list of
	// the account's snapshots of that kind (organization scope: every
	// account's), each shaped like snapshot.
	varEvidence = "evidence"
	// varRunEvidence maps each evidence kind the check declares to every
	// snapshot of that kind in the run (every account and region), for
	// joins such as an organization trail described in the management
	// account's snapshot. Completeness of those other snapshots is not
	// checked for the unit: test what you read (status, failed_actions).
	varRunEvidence = "run_evidence"
	// varParams holds the check's effective parameters.
	varParams = "params"
	// varVars holds the check's vars, evaluated for the current item.
	varVars = "vars"
	// varAccount is the account id of the unit ("" in organization scope).
	varAccount = "account"
	// varRegion is the region of the current snapshot ("global" otherwise).
	varRegion = "region"
	// varPartition is the AWS partition, e.g. "aws".
	varPartition = "partition"
	// varNow is the evaluation clock (the run's finished_at).
	varNow = "now"
	// varPeriodStart and varPeriodEnd bound the audit period.
	varPeriodStart = "period_start"
	varPeriodEnd   = "period_end"
)

// celCostLimit bounds the work of one expression evaluation of a check that
// is not built in (a plugin's, a local file's), so a hostile or careless
// check cannot hang evaluation: about a second of work. A for_each building
// a list from 100,000 items costs a few million. Built-in checks (their
// bytes equal to the embedded files) are linear in the evidence and run
// without cost tracking, which costs about 15% of evaluation time.
const celCostLimit = 50_000_000

// celMaxRange bounds lists.range(n), which allocates n elements.
const celMaxRange = 100_000

// celInterruptEvery is how many comprehension iterations pass between
// checks that the evaluation's context is still live.
const celInterruptEvery = 1000

var (
	envOnce sync.Once
	envVal  *cel.Env
	envErr  error
)

// checkEnv returns the shared CEL environment for checks.
func checkEnv() (*cel.Env, error) {
	envOnce.Do(func() {
		envVal, envErr = cel.NewEnv(
			cel.Variable(varItem, cel.DynType),
			cel.Variable(varPayload, cel.DynType),
			cel.Variable(varSnapshot, cel.MapType(cel.StringType, cel.DynType)),
			cel.Variable(varSnapshots, cel.ListType(cel.DynType)),
			cel.Variable(varEvidence, cel.MapType(cel.StringType, cel.ListType(cel.DynType))),
			cel.Variable(varRunEvidence, cel.MapType(cel.StringType, cel.ListType(cel.DynType))),
			cel.Variable(varParams, cel.MapType(cel.StringType, cel.DynType)),
			cel.Variable(varVars, cel.MapType(cel.StringType, cel.DynType)),
			cel.Variable(varAccount, cel.StringType),
			cel.Variable(varRegion, cel.StringType),
			cel.Variable(varPartition, cel.StringType),
			cel.Variable(varNow, cel.TimestampType),
			cel.Variable(varPeriodStart, cel.TimestampType),
			cel.Variable(varPeriodEnd, cel.TimestampType),
			cel.CrossTypeNumericComparisons(true),
			cel.DefaultUTCTimeZone(true),
			cel.OptionalTypes(),
			ext.Strings(),
			ext.Lists(ext.ListsMaxRangeSize(celMaxRange)),
			ext.Sets(),
			ext.Math(),
			ext.Bindings(),
			ext.TwoVarComprehensions(),
			cel.Function("days",
				cel.Overload("days_int", []*cel.Type{cel.IntType}, cel.DurationType,
					cel.UnaryBinding(func(v ref.Val) ref.Val {
						n, ok := v.(types.Int)
						if !ok {
							return types.NewErr("days: want an int")
						}
						if n < -106751 || n > 106751 { // time.Duration's range in days
							return types.NewErr("days: %d is out of range", int64(n))
						}
						return types.Duration{Duration: time.Duration(n) * 24 * time.Hour}
					}))),
			cel.Function("glob",
				cel.Overload("glob_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
					cel.BinaryBinding(func(p, s ref.Val) ref.Val {
						ps, ok1 := p.(types.String)
						ss, ok2 := s.(types.String)
						if !ok1 || !ok2 {
							return types.NewErr("glob: want two strings")
						}
						return types.Bool(Glob(string(ps), string(ss)))
					}))),
		)
	})
	return envVal, envErr
}

// Glob reports whether s matches pattern, where * matches any run of
// characters and ? any one character, ignoring ASCII case — the way IAM
// matches action names ("kms:Re*" matches "kms:ReEncryptFrom"). Exception
// scopes use it for resource patterns too.
func Glob(pattern, s string) bool {
	return globMatch(strings.ToLower(pattern), strings.ToLower(s))
}

// globMatch matches with backtracking over the last star only, which is
// linear in practice and never exponential.
func globMatch(p, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		switch {
		case px < len(p) && (p[px] == '?' || p[px] == s[sx]):
			px++
			sx++
		case px < len(p) && p[px] == '*':
			starP, starS = px, sx
			px++
		case starP >= 0:
			starS++
			px, sx = starP+1, starS
		default:
			return false
		}
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}

// compiled is one compiled CEL expression of a check.
type compiled struct {
	src  string
	prg  cel.Program
	line int
}

// compileExpr compiles expr and checks that its type can be want (or dyn).
// Expressions of checks other than the built-in ones get a cost limit; all
// stop when the evaluation's context ends.
func compileExpr(env *cel.Env, expr string, want *cel.Type, limited bool) (*cel.Ast, cel.Program, error) {
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, nil, fmt.Errorf("invalid CEL: %s", strings.ReplaceAll(iss.Err().Error(), "\n", " "))
	}
	out := ast.OutputType()
	if want != nil && !out.IsExactType(cel.DynType) && !want.IsAssignableType(out) && !out.IsAssignableType(want) {
		return nil, nil, fmt.Errorf("CEL expression has type %s, want %s", out, want)
	}
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(celInterruptEvery)}
	if limited {
		opts = append(opts, cel.CostLimit(celCostLimit))
	}
	prg, err := env.Program(ast, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid CEL: %w", err)
	}
	return ast, prg, nil
}

// activation binds the check variables for one evaluation without
// allocating a map per resource.
type activation struct {
	ctx         context.Context
	item        ref.Val
	payload     any
	snapshot    map[string]any
	snapshots   []any
	evidence    map[string][]any
	runEvidence map[string][]any
	params      map[string]any
	vars        map[string]any

	// Cached CEL conversions of the Go values above.
	payloadVal, snapshotVal, snapshotsVal, evidenceVal, runEvidenceVal, paramsVal, varsVal ref.Val
	account                                                                                ref.Val
	region                                                                                 ref.Val
	partition                                                                              ref.Val
	now                                                                                    ref.Val
	start                                                                                  ref.Val
	end                                                                                    ref.Val
}

// ResolveName implements interpreter.Activation. Go values are converted
// to CEL values once per unit (vars once per item) and cached, not on every
// read.
func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case varItem:
		return a.item, a.item != nil
	case varPayload:
		return a.cached(&a.payloadVal, a.payload)
	case varSnapshot:
		if a.snapshot == nil {
			return nil, false
		}
		return a.cached(&a.snapshotVal, a.snapshot)
	case varSnapshots:
		if a.snapshots == nil {
			return nil, false
		}
		return a.cached(&a.snapshotsVal, a.snapshots)
	case varEvidence:
		if a.evidence == nil {
			return nil, false
		}
		return a.cached(&a.evidenceVal, a.evidence)
	case varRunEvidence:
		if a.runEvidence == nil {
			return nil, false
		}
		return a.cached(&a.runEvidenceVal, a.runEvidence)
	case varParams:
		return a.cached(&a.paramsVal, a.params)
	case varVars:
		if a.vars == nil {
			return nil, false
		}
		return a.cached(&a.varsVal, a.vars)
	case varAccount:
		return a.account, a.account != nil
	case varRegion:
		return a.region, a.region != nil
	case varPartition:
		return a.partition, a.partition != nil
	case varNow:
		return a.now, a.now != nil
	case varPeriodStart:
		return a.start, a.start != nil
	case varPeriodEnd:
		return a.end, a.end != nil
	}
	return nil, false
}

// cached converts v to a CEL value once, keeping it in *slot.
func (a *activation) cached(slot *ref.Val, v any) (any, bool) {
	if v == nil {
		return nil, false
	}
	if *slot == nil {
		*slot = types.DefaultTypeAdapter.NativeToValue(v)
	}
	return *slot, true
}

// setVars replaces the vars and drops their cached conversion.
func (a *activation) setVars(m map[string]any) {
	a.vars = m
	a.varsVal = nil
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// eval runs c with act and returns the result. It stops when act's
// context ends.
func (c *compiled) eval(act *activation) (ref.Val, error) {
	ctx := act.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	out, _, err := c.prg.ContextEval(ctx, act)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// evalBool runs c and requires a bool.
func (c *compiled) evalBool(act *activation) (bool, error) {
	v, err := c.eval(act)
	if err != nil {
		return false, err
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, fmt.Errorf("%q gave %s, not a bool", c.src, v.Type().TypeName())
	}
	return bool(b), nil
}

// evalString runs c and requires a string.
func (c *compiled) evalString(act *activation) (string, error) {
	v, err := c.eval(act)
	if err != nil {
		return "", err
	}
	s, ok := v.(types.String)
	if !ok {
		return "", fmt.Errorf("%q gave %s, not a string", c.src, v.Type().TypeName())
	}
	return string(s), nil
}

// evalList runs c and returns the list's elements. null is an error: in a
// payload null means "not seen", which is not an empty list.
func (c *compiled) evalList(act *activation) ([]ref.Val, error) {
	v, err := c.eval(act)
	if err != nil {
		return nil, err
	}
	if v.Type() == types.NullType {
		return nil, fmt.Errorf("%q gave null (not seen), not a list", c.src)
	}
	return listElems(c.src, v)
}

// listElems returns the elements of the list v, the value of src.
func listElems(src string, v ref.Val) ([]ref.Val, error) {
	l, ok := v.(traits.Lister)
	if !ok {
		return nil, fmt.Errorf("%q gave %s, not a list", src, v.Type().TypeName())
	}
	var out []ref.Val
	for it := l.Iterator(); it.HasNext() == types.True; {
		out = append(out, it.Next())
	}
	return out, nil
}

// evalStrings runs c and requires a list of strings (null gives none).
func (c *compiled) evalStrings(act *activation) ([]string, error) {
	v, err := c.eval(act)
	if err != nil {
		return nil, err
	}
	if v.Type() == types.NullType {
		return nil, nil
	}
	list, err := listElems(c.src, v)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		s, ok := v.(types.String)
		if !ok {
			return nil, fmt.Errorf("%q gave a list holding %s, not strings", c.src, v.Type().TypeName())
		}
		out = append(out, string(s))
	}
	return out, nil
}
