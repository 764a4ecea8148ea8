package runbook

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// This file turns what Setup.com and msiexec leave behind (console text, exit
// codes, verbose MSI logs) into a verdict the engine can act on and a person
// can read. The functions are pure: no I/O, no clock, so the engine can call
// them on every chunk it tails from a detached job and the simulator and
// fuzzers can call them freely.

// Outcome is the verdict on one long-running installer step.
type Outcome string

const (
	// OutcomeSuccess: the tool said it finished and nothing said otherwise.
	OutcomeSuccess Outcome = "success"
	// OutcomeFailure: the tool said it failed, or its exit code says so.
	OutcomeFailure Outcome = "failure"
	// OutcomeIncomplete: no verdict yet. Setup.com is still running, or the
	// output we hold was cut off; the engine keeps tailing or re-attaches
	// rather than guessing.
	OutcomeIncomplete Outcome = "incomplete"
)

// Classification is what a classifier read from one run. The engine uses
// Outcome and RebootRequired to decide; the screen and the journal show
// Summary, FailedSteps, ErrorLines and ErrorCodes to the person (the
// setup-failed diagnosis of DESIGN section 7 quotes the failing lines).
type Classification struct {
	Outcome        Outcome
	RebootRequired bool
	ExitCode       int
	// FailedSteps names each dotted step that ended in FAILED, such as
	// "Unified Messaging Role Checks", in output order.
	FailedSteps []string
	// ErrorLines are the logical (unwrapped, trimmed) lines that explain the
	// failure, in output order, without duplicates. Empty on success.
	ErrorLines []string
	// ErrorCodes are installer error codes quoted by the failing lines
	// ("1603", "0x80070005"), in order, without duplicates; for msiexec the
	// exit code comes first. Empty on success. "Return value 3" is an MSI
	// action result, not an error code, and is never listed here.
	ErrorCodes []string
	// Summary is one plain-words sentence for the person at the console.
	Summary string
}

// consoleWidth is the width at which the Windows console hard-wraps
// Setup.com's output, splitting words ("visi" / "t http://...").
const consoleWidth = 80

// UnwrapConsole splits console output into logical lines. It accepts CRLF,
// LF and stray CRs (a CR before a line break is dropped, any other CR breaks
// the line, as an old console would), and joins a physical line of exactly
// consoleWidth characters to the next one, because that is how the console
// wrapped it; no separator is inserted, since the console splits mid-word.
// A dotted step line that happens to be exactly 80 characters wide is
// complete and is not joined. Width is counted in runes, so double-width
// characters of a code page such as 932 are counted as one.
func UnwrapConsole(text string) []string {
	phys := classifyPhysicalLines(text)
	var out []string
	var cur strings.Builder
	for i, p := range phys {
		cur.WriteString(p)
		// The step test looks at a lone physical line only: a line already
		// joined is wrapped text, and testing the growing line again and
		// again would make a long run of 80-column rows quadratic.
		if utf8.RuneCountInString(p) == consoleWidth && i < len(phys)-1 &&
			!(cur.Len() == len(p) && classifyStep(p) != nil) {
			continue
		}
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// classifyPhysicalLines normalises line breaks. Every CR that ends a line is
// dropped whatever comes before it, so a text and its CRLF copy give the same
// lines (the fuzzers hold us to that).
func classifyPhysicalLines(text string) []string {
	if text == "" {
		return nil
	}
	raw := strings.Split(text, "\n")
	var out []string
	for i, r := range raw {
		r = strings.TrimRight(r, "\r")
		if i == len(raw)-1 && r == "" {
			break // the text ended with a line break
		}
		out = append(out, strings.Split(r, "\r")...)
	}
	return out
}

// classifyFold lower-cases s and removes all whitespace. Phrases are matched
// on folded text so that a phrase still matches when it was wrapped at a
// width other than 80 (a wider console, a log viewer that word-wraps and
// drops the trailing space) or printed with other capitalisation ("setup
// operation" in the success line, "Setup operation" in the failure line).
func classifyFold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// Folded phrases of Setup.com's verdict lines (PROCEDURES 4.1).
var (
	setupSuccessPhrase     = classifyFold("Exchange Server setup operation completed successfully")
	setupDidNotComplete    = classifyFold("Exchange Server Setup operation did not complete")
	setupEncounteredAnErr  = classifyFold("Exchange Server setup encountered an error")
	setupErrorCodePhrase   = classifyFold("error code")
	msiNotCompatiblePhrase = classifyFold("The version of this file is not compatible")
	msiReturnValue3Phrase  = classifyFold("Return value 3")
)

// SetupWords is how Setup.com words its step statuses and verdicts in
// one Windows language. The English lines are the real captures'
// (PROCEDURES 4.1); no capture of a localized Setup.com was found, so the
// Japanese, Brazilian Portuguese and Italian lines are our rendering
// (the glossary's terms, Windows' sentence shapes). The simulator's
// localized Setup.com prints exactly these lines (internal/sim/locale.go
// reads this table), so what the trainee sees is what the runbook
// recognises. The verdict does not hang on them alone: a Setup whose words
// are known in no language is decided by its exit code and the node's
// state afterwards (JobDecidedByState).
type SetupWords struct {
	// Completed and Failed end a dotted step line.
	Completed, Failed string
	// Success is the success line; NotDone the "did not complete" line,
	// whose first sentence is matched; Encountered the closing error line.
	Success, NotDone, Encountered string
	// Reboot is the line asking for a restart (a leading space, as
	// Setup.com indents its warnings); RebootPhrase the part of it that is
	// matched.
	Reboot, RebootPhrase string
	// ErrorCode is the language's "error code", for failing lines that
	// quote one.
	ErrorCode string
}

// SetupLanguages are Setup.com's words by Windows locale name.
var SetupLanguages = map[string]SetupWords{
	"en-US": {
		Completed: "COMPLETED", Failed: "FAILED",
		Success:      "The Microsoft Exchange Server setup operation completed successfully.",
		NotDone:      "The Exchange Server Setup operation did not complete. For more information, visit http://support.microsoft.com and enter the Error ID.",
		Encountered:  "Exchange Server setup encountered an error.",
		Reboot:       " Setup has made changes to operating system settings that require a reboot to take effect. Please reboot this server prior to placing it into production.",
		RebootPhrase: "require a reboot", ErrorCode: "error code",
	},
	"ja-JP": {
		Completed: "完了", Failed: "失敗",
		Success:      "Microsoft Exchange Server のセットアップ操作は正常に完了しました。",
		NotDone:      "Exchange Server のセットアップ操作は完了しませんでした。詳細については、http://support.microsoft.com にアクセスして、エラー ID を入力してください。",
		Encountered:  "Exchange Server のセットアップでエラーが発生しました。",
		Reboot:       " セットアップによって、有効にするために再起動が必要なオペレーティング システムの設定が変更されました。このサーバーを運用環境に配置する前に再起動してください。",
		RebootPhrase: "再起動が必要", ErrorCode: "エラー コード",
	},
	"pt-BR": {
		Completed: "CONCLUÍDO", Failed: "FALHA",
		Success:      "A operação de instalação do Microsoft Exchange Server foi concluída com êxito.",
		NotDone:      "A operação de Instalação do Exchange Server não foi concluída. Para obter mais informações, visite http://support.microsoft.com e insira a ID do Erro.",
		Encountered:  "A Instalação do Exchange Server encontrou um erro.",
		Reboot:       " A Instalação fez alterações em configurações do sistema operacional que exigem uma reinicialização para entrar em vigor. Reinicie este servidor antes de colocá-lo em produção.",
		RebootPhrase: "exigem uma reinicialização", ErrorCode: "código de erro",
	},
	"it-IT": {
		Completed: "COMPLETATO", Failed: "NON RIUSCITO",
		Success:      "L'operazione di installazione di Microsoft Exchange Server è stata completata.",
		NotDone:      "L'operazione del programma di installazione di Exchange Server non è stata completata. Per ulteriori informazioni, visitare http://support.microsoft.com e immettere l'ID errore.",
		Encountered:  "Errore durante l'esecuzione del programma di installazione di Exchange Server.",
		Reboot:       " Il programma di installazione ha modificato impostazioni del sistema operativo che richiedono un riavvio. Riavviare il server prima di metterlo in produzione.",
		RebootPhrase: "richiedono un riavvio", ErrorCode: "codice di errore",
	},
}

// classifyFirstSentence is s up to its first full stop (". " or "。"),
// without it, folded: the part of a verdict line that is matched, so a
// line whose advice differs (another URL) still matches.
func classifyFirstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "。"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	return classifyFold(strings.TrimSuffix(s, "."))
}

// setupPhrases are the folded phrases every language's verdicts are
// matched on; English keeps the shorter phrases it always had, so a real
// capture's slightly different wording ("The Microsoft Exchange Server
// Setup operation ...") still matches.
type setupPhrases struct {
	success, notDone, encountered []string
	reboot, errorCode             []string
	failed                        map[string]bool // folded FAILED statuses
	foldedFailed                  []string        // the same, as a regexp alternation's parts
}

// setupKnown is built on first use, not at start-up: a process that
// classifies nothing (plan, check, report) pays nothing for it.
var setupKnown = sync.OnceValue(func() setupPhrases {
	p := setupPhrases{
		success:     []string{setupSuccessPhrase},
		notDone:     []string{setupDidNotComplete},
		encountered: []string{setupEncounteredAnErr},
		errorCode:   []string{setupErrorCodePhrase},
		failed:      map[string]bool{},
	}
	for _, name := range []string{"en-US", "ja-JP", "pt-BR", "it-IT"} {
		w := SetupLanguages[name]
		p.failed[classifyFold(w.Failed)] = true
		p.foldedFailed = append(p.foldedFailed, regexp.QuoteMeta(classifyFold(w.Failed)))
		if name == "en-US" {
			continue
		}
		p.success = append(p.success, classifyFirstSentence(w.Success))
		p.notDone = append(p.notDone, classifyFirstSentence(w.NotDone))
		p.encountered = append(p.encountered, classifyFirstSentence(w.Encountered))
		p.reboot = append(p.reboot, classifyFold(w.RebootPhrase))
		p.errorCode = append(p.errorCode, classifyFold(w.ErrorCode))
	}
	return p
})

// classifyContainsAny reports whether folded holds one of phrases.
func classifyContainsAny(folded string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(folded, p) {
			return true
		}
	}
	return false
}

// classifyRes are the classifiers' patterns, compiled on first use (see
// setupKnown).
type classifyRes struct {
	setupStepRe         *regexp.Regexp
	setupFoldedCodeRe   *regexp.Regexp
	setupFoldedFailedRe *regexp.Regexp
	errorCodeRes        []*regexp.Regexp
	msiStatusRe         *regexp.Regexp
	msiErrorNumberRe    *regexp.Regexp
	rebootRe            *regexp.Regexp
}

var classifyPatterns = sync.OnceValue(func() *classifyRes {
	return &classifyRes{
		// setupStepRe matches a dotted step line such as
		// "    Mailbox Role Checks              ......................... FAILED".
		// A step name never starts with a dot, so the tail of a step line that
		// was wrapped narrowly (".......... FAILED") is not taken for a step.
		// The status is any language's (SetupLanguages): COMPLETED, 完了,
		// CONCLUÍDO, NON RIUSCITO...
		setupStepRe: regexp.MustCompile(`(?i)^\s*([^.\s].*?)\s*\.{3,}\s*(` + setupStatusAlternation() + `)\s*$`),
		// setupFoldedCodeRe is the first of errorCodeRes for folded text, in
		// every language's words for "error code" ("エラー コード は 1603",
		// "código de erro: 1603", "codice di errore 1603").
		setupFoldedCodeRe: regexp.MustCompile(`(?:errorcode|エラーコード|códigodeerro|codicedierrore)(?:is|was|of|é|è|は|:|=|：)*(0x[0-9a-f]+|-?\d+)`),
		// setupFoldedFailedRe finds a FAILED step in folded text, for output
		// wrapped so narrowly that the step line itself was split.
		setupFoldedFailedRe: regexp.MustCompile(`\.{5,}(?:` + strings.Join(setupKnown().foldedFailed, "|") + `)`),
		// errorCodeRes pull codes out of a failing line: "Error code is 1638",
		// "error code 1603", "actual error code 1603", "Error code: 0x80070005",
		// and the MSI log form "Error 1935." ("Error ID" has no digits and does
		// not match).
		errorCodeRes: []*regexp.Regexp{
			regexp.MustCompile(`(?i)error\s*code(?:\s*(?:is|was|of))?\s*[:=]?\s*(0x[0-9a-f]+|-?\d+)`),
			// The same in the localized Setups' words (SetupLanguages).
			regexp.MustCompile(`(?i)(?:エラー\s*コード|código\s+de\s+erro|codice\s+di\s+errore)(?:\s*(?:は|é|è))?\s*[:=：]?\s*(0x[0-9a-f]+|-?\d+)`),
			regexp.MustCompile(`(?i)\berror\s+(0x[0-9a-f]{8}|\d{4,5})\b`),
		},
		// msiStatusRe is the verbose log's closing line: "Installation success
		// or error status: 1603." A zero status is not an error.
		msiStatusRe: regexp.MustCompile(`(?i)error\s*status\s*:\s*(-?\d+)`),
		// msiErrorNumberRe is an MSI error message line, "Error 1603." etc.
		msiErrorNumberRe: regexp.MustCompile(`(?i)\berror\s+\d{4,5}\b`),
		// rebootRe matches, on folded text, the ways Setup and Windows ask for a
		// restart: "Please reboot this server", "require a reboot", "restart the
		// computer", "A restart from a previous installation is pending".
		rebootRe: regexp.MustCompile(`(?:restart|reboot)(?:the|this|your)(?:computer|server|machine|system|node)` +
			`|requires?a(?:restart|reboot)` +
			`|(?:restart|reboot)(?:is|was)?(?:required|pending|needed)` +
			`|(?:mustbe|needstobe|needtobe|shouldbe)(?:restarted|rebooted)` +
			`|(?:restart|reboot)fromapreviousinstallationispending`),
	}
})

// setupStatusAlternation is every language's step statuses as a regexp
// alternation, a space matching any run of blanks.
func setupStatusAlternation() string {
	var alts []string
	for _, name := range []string{"en-US", "ja-JP", "pt-BR", "it-IT"} {
		w := SetupLanguages[name]
		for _, st := range []string{w.Completed, w.Failed} {
			alts = append(alts, strings.ReplaceAll(regexp.QuoteMeta(st), " ", `\s+`))
		}
	}
	return strings.Join(alts, "|")
}

// classifyStepFailed reports a dotted step status that says FAILED in
// any language.
func classifyStepFailed(status string) bool {
	return setupKnown().failed[classifyFold(status)]
}

// classifyAsksForReboot reports whether folded text asks for a restart. A
// match preceded in its own sentence by a negation ("no restart is
// required", "you do not need to restart the computer") does not count.
func classifyAsksForReboot(folded string) bool {
	if classifyContainsAny(folded, setupKnown().reboot) {
		return true // a localized Setup's restart line
	}
	// Every pattern holds one of these words; most output holds neither,
	// and the regexp costs far more than the look.
	if !strings.Contains(folded, "restart") && !strings.Contains(folded, "reboot") {
		return false
	}
	for _, loc := range classifyPatterns().rebootRe.FindAllStringIndex(folded, -1) {
		from := max(loc[0]-24, 0)
		before := folded[from:loc[0]]
		if i := strings.LastIndexAny(before, ".!?"); i >= 0 {
			before = before[i+1:]
		}
		if strings.Contains(before, "not") || strings.Contains(before, "n't") ||
			strings.Contains(before, "n’t") || strings.HasSuffix(before, "no") {
			continue
		}
		return true
	}
	return false
}

// classifyAppendUnique appends s unless seen holds it. The map keeps this
// linear: a verbose MSI log can hold thousands of failing lines.
func classifyAppendUnique(list []string, seen map[string]bool, s string) []string {
	if seen[s] {
		return list
	}
	seen[s] = true
	return append(list, s)
}

// classifyStep returns setupStepRe's submatches for a step line, or nil.
// The cheap look for dots first keeps classification fast enough to run on
// every chunk tailed from a running Setup.
func classifyStep(line string) []string {
	if !strings.Contains(line, "...") {
		return nil
	}
	return classifyPatterns().setupStepRe.FindStringSubmatch(line)
}

// classifyStatusMatches runs msiStatusRe on a line whose folded form is f,
// skipping the regexp on the many log lines that cannot match.
func classifyStatusMatches(f, line string) [][]string {
	if !strings.Contains(f, "errorstatus") {
		return nil
	}
	return classifyPatterns().msiStatusRe.FindAllStringSubmatch(line, -1)
}

// classifyCodes returns the error codes quoted in line.
func classifyCodes(line string, withStatus bool) []string {
	if l := strings.ToLower(line); !strings.Contains(l, "erro") && !strings.Contains(l, "エラー") {
		return nil // every pattern needs the word (error, erro, errore, エラー)
	}
	var codes []string
	for _, re := range classifyPatterns().errorCodeRes {
		for _, m := range re.FindAllStringSubmatch(line, -1) {
			codes = append(codes, strings.ToLower(m[1]))
		}
	}
	if withStatus {
		for _, m := range classifyPatterns().msiStatusRe.FindAllStringSubmatch(line, -1) {
			if n, err := strconv.Atoi(m[1]); err != nil || n != 0 {
				codes = append(codes, m[1])
			}
		}
	}
	return codes
}

// classifyIndent counts the leading spaces of a line. Setup.com indents
// steps by 4, warnings by 1 and errors by 5 (PROCEDURES 4.1).
func classifyIndent(line string) int {
	return len(line) - len(strings.TrimLeft(line, " \t"))
}

// ClassifySetup classifies the console output of Setup.com /mode:upgrade or
// /upgradecms. The exit code is not trusted alone (a real failure can exit
// 0), so the verdict comes from the text, matched case-insensitively on
// unwrapped lines and on the whole text folded, in every language whose
// Setup words are known (SetupLanguages: English, Japanese, Brazilian
// Portuguese, Italian):
//
//   - failure if a dotted step ends in FAILED (失敗, FALHA, NON RIUSCITO),
//     or the output says "The Exchange Server Setup operation did not
//     complete" or "Exchange Server setup encountered an error" (or their
//     localized lines);
//   - success if it says "The Microsoft Exchange Server setup operation
//     completed successfully." (or its localized line) and nothing above,
//     and the exit code is 0 (a non-zero exit code with the success line is
//     a failure, because something went wrong after or around Setup's own
//     report);
//   - otherwise incomplete (still running, or the output was cut off, or
//     a language we do not know), unless the exit code is non-zero, which
//     is a failure.
//
// While Setup.com is still running the caller passes exitCode 0. A Setup
// that has ended with exit code 0 and left no verdict the runbook can read
// (a language not in SetupLanguages) is not guessed at here: the node's
// state decides (JobDecidedByState): its configured build at the target
// and no Setup watermark left is success, anything else failure.
//
// ErrorLines are chosen the way a person reads the output, not by grepping
// for "error" (most "errors" in setup logs are expected, PROCEDURES 4.2):
// the FAILED step lines, the 5-space-indented error lines under a FAILED
// check, lines quoting an error code, and the two failure verdict lines.
// Warnings (1-space lines) and anything under a COMPLETED step are not.
func ClassifySetup(output string, exitCode int) Classification {
	c := Classification{ExitCode: exitCode}
	lines := UnwrapConsole(output)
	folded := classifyFold(strings.Join(lines, ""))

	c.FailedSteps, c.ErrorLines = classifySetupLines(lines)
	seenCode := map[string]bool{}
	for _, l := range c.ErrorLines {
		for _, code := range classifyCodes(l, false) {
			c.ErrorCodes = classifyAppendUnique(c.ErrorCodes, seenCode, code)
		}
	}
	c.RebootRequired = classifyAsksForReboot(folded)

	v := classifySetupVerdict(folded, len(c.FailedSteps) > 0)
	c.Outcome = v.outcome(exitCode)
	if c.Outcome == OutcomeSuccess {
		c.ErrorLines, c.ErrorCodes = nil, nil // nothing failed: what looked like errors was not
	}
	if c.Outcome == OutcomeFailure && len(c.ErrorCodes) == 0 {
		// The line quoting the code was wrapped at a width other than 80,
		// so no logical line holds it whole: read the folded text.
		for _, m := range classifyPatterns().setupFoldedCodeRe.FindAllStringSubmatch(folded, -1) {
			c.ErrorCodes = classifyAppendUnique(c.ErrorCodes, seenCode, m[1])
		}
	}
	c.Summary = classifySetupSummary(c, v)
	return c
}

// classifySetupLines picks, line by line, the steps that FAILED and the
// error lines a person would read (see ClassifySetup), in output order and
// without duplicates.
func classifySetupLines(lines []string) (failedSteps, errorLines []string) {
	const (
		underNone = iota // before the first step
		underCompleted
		underFailed
	)
	under := underNone
	seenStep, seenLine := map[string]bool{}, map[string]bool{}
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if m := classifyStep(line); m != nil {
			if classifyStepFailed(m[2]) {
				under = underFailed
				failedSteps = classifyAppendUnique(failedSteps, seenStep, strings.TrimSpace(m[1]))
				errorLines = classifyAppendUnique(errorLines, seenLine, trimmed)
			} else {
				under = underCompleted
			}
			continue
		}
		// Only a step line changes the block we are in: a column-0 line
		// may be a heading, but also the rest of a line whose wrap we could
		// not see (a capture pasted through another tool), and treating it
		// as a heading would drop the error lines that follow it.
		indent := classifyIndent(line)
		f := classifyFold(line)
		switch {
		case classifyIsSetupVerdictLine(f):
			errorLines = classifyAppendUnique(errorLines, seenLine, trimmed)
		case under == underFailed && indent >= 5:
			errorLines = classifyAppendUnique(errorLines, seenLine, trimmed)
		case classifyContainsAny(f, setupKnown().errorCode) && !(under == underCompleted && indent > 0):
			errorLines = classifyAppendUnique(errorLines, seenLine, trimmed)
		}
	}
	return failedSteps, errorLines
}

// classifyIsSetupVerdictLine reports a line, folded, that holds one of
// Setup.com's two failure verdicts, in any language it is known in.
func classifyIsSetupVerdictLine(folded string) bool {
	return classifyContainsAny(folded, setupKnown().notDone) || classifyContainsAny(folded, setupKnown().encountered)
}

// setupVerdict is what Setup.com's output as a whole says about the run.
type setupVerdict struct {
	failedSteps    bool // a dotted step line ended in FAILED
	foldedFailed   bool // no step line did, but the folded text holds a FAILED step
	didNotComplete bool // "The Exchange Server Setup operation did not complete"
	encountered    bool // "Exchange Server setup encountered an error"
	succeeded      bool // the success line
}

// classifySetupVerdict finds the failure and success phrases in the folded
// text. The folded FAILED step is looked for only when no line held one.
func classifySetupVerdict(folded string, failedSteps bool) setupVerdict {
	return setupVerdict{
		failedSteps:    failedSteps,
		foldedFailed:   !failedSteps && classifyPatterns().setupFoldedFailedRe.MatchString(folded),
		didNotComplete: classifyContainsAny(folded, setupKnown().notDone),
		encountered:    classifyContainsAny(folded, setupKnown().encountered),
		succeeded:      classifyContainsAny(folded, setupKnown().success),
	}
}

// outcome decides the verdict: any failure text fails, the success line
// succeeds only with exit code 0, and no line at all waits unless the exit
// code is non-zero.
func (v setupVerdict) outcome(exitCode int) Outcome {
	failedText := v.failedSteps || v.didNotComplete || v.encountered || v.foldedFailed
	switch {
	case failedText:
		return OutcomeFailure
	case v.succeeded && exitCode == 0:
		return OutcomeSuccess
	case v.succeeded || exitCode != 0:
		return OutcomeFailure
	default:
		return OutcomeIncomplete
	}
}

// classifySetupSummary words the verdict for the person at the console,
// naming the strongest evidence and whether a restart is asked for. Each
// sentence is a catalogue key (say); a tail is its own key around the
// head, so a translation may put it where its language wants it.
func classifySetupSummary(c Classification, v setupVerdict) string {
	var s string
	code := strconv.Itoa(c.ExitCode)
	switch {
	case c.Outcome == OutcomeSuccess:
		s = say("Setup.com reported success")
	case len(c.FailedSteps) > 0:
		s = classifyCodeSuffix(say("Setup.com reported failure: %s FAILED", classifyFailedList(c.FailedSteps)), c.ErrorCodes)
	case v.foldedFailed:
		s = classifyCodeSuffix(say("Setup.com reported failure: a step FAILED"), c.ErrorCodes)
	case v.didNotComplete:
		s = classifyCodeSuffix(say("Setup.com reported failure: the setup operation did not complete"), c.ErrorCodes)
	case v.encountered:
		s = classifyCodeSuffix(say("Setup.com reported failure: Exchange Server setup encountered an error"), c.ErrorCodes)
	case v.succeeded:
		s = say("Setup.com printed its success line but exited with code %s, so the step is treated as failed: check ExchangeSetup.log and the server's build", code)
	case c.Outcome == OutcomeFailure:
		s = classifyCodeSuffix(say("Setup.com exited with code %s without printing a success or failure line", code), c.ErrorCodes)
	default:
		s = say("Setup.com has not printed a success or failure line yet: it is still running or its output was cut off")
	}
	if c.RebootRequired {
		if c.Outcome == OutcomeSuccess {
			s = say("%s; it asks for a restart of the server", s)
		} else {
			s = say("%s; it also asks for a restart of the server", s)
		}
	}
	return s
}

// classifyCodeSuffix adds " (error code 1603)" or " (error codes 1603,
// classifyFailedList names the FAILED steps, "A FAILED, B", built one
// step at a time so a view translates each join in its language (the
// last step's FAILED is the summary's own).
func classifyFailedList(steps []string) string {
	if len(steps) == 1 {
		return steps[0]
	}
	return say("%s FAILED, %s", steps[0], classifyFailedList(steps[1:]))
}

// 1638)" to a summary, or nothing.
func classifyCodeSuffix(head string, codes []string) string {
	switch len(codes) {
	case 0:
		return head
	case 1:
		return say("%s (error code %s)", head, codes[0])
	default:
		return say("%s (error codes %s)", head, strings.Join(codes, ", "))
	}
}
