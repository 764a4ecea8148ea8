package wsman

import (
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Namespace URIs. Requests are matched by URI, never by prefix: masterzen uses
// env/a/w/p/rsp, pypsrp uses s/wsa/wsman/wsmv, pywinrm uses env/a/w/p/rsp.
const (
	nsSOAP     = "http://www.w3.org/2003/05/soap-envelope"
	nsAddr     = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsWSMan    = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
	nsShell    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	nsTransfer = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
)

// Action and resource URIs of the Windows Remote Shell (MS-WSMV 3.1.4).
const (
	actionCreate   = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	actionDelete   = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	actionCommand  = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
	actionReceive  = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
	actionSend     = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
	actionSignal   = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
	actionFault    = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
	resourceCmd    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
	addrAnonymous  = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
	stateURIPrefix = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/"
	signalPrefix   = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/"
)

// soapContentType is what Windows sends and what masterzen insists on: without
// "application/soap+xml" it drops the body of a fault, so a TimedOut fault would
// end the command instead of making the client poll again.
const soapContentType = "application/soap+xml;charset=UTF-8"

// envelope is the subset of a WS-Management request this server acts on.
type envelope struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
	Header  soapHeader  `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
	Body    requestBody `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

type soapHeader struct {
	Action           string      `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing Action"`
	MessageID        string      `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing MessageID"`
	ResourceURI      string      `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd ResourceURI"`
	OperationTimeout string      `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OperationTimeout"`
	MaxEnvelopeSize  string      `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd MaxEnvelopeSize"`
	SelectorSet      selectorSet `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd SelectorSet"`
}

type selectorSet struct {
	Selectors []nameValue `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd Selector"`
}

type nameValue struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

type requestBody struct {
	CommandLine *commandLine `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell CommandLine"`
	Receive     *receiveBody `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Receive"`
	Send        *sendBody    `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Send"`
	Signal      *signalBody  `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Signal"`
}

type commandLine struct {
	Command   string   `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Command"`
	Arguments []string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Arguments"`
}

type receiveBody struct {
	DesiredStream struct {
		CommandID string `xml:"CommandId,attr"`
		Streams   string `xml:",chardata"`
	} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell DesiredStream"`
}

type sendBody struct {
	Streams []struct {
		Name      string `xml:"Name,attr"`
		CommandID string `xml:"CommandId,attr"`
		End       string `xml:"End,attr"`
		Data      string `xml:",chardata"`
	} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Stream"`
}

type signalBody struct {
	CommandID string `xml:"CommandId,attr"`
	Code      string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Code"`
}

// selector returns the value of the named w:Selector (e.g. ShellId).
func (h *soapHeader) selector(name string) string {
	for _, s := range h.SelectorSet.Selectors {
		if strings.EqualFold(s.Name, name) {
			return strings.TrimSpace(s.Value)
		}
	}
	return ""
}

// parseEnvelope decodes a request. encoding/xml resolves prefixes to URIs and
// unwraps CDATA, which is how masterzen sends the command text.
func parseEnvelope(data []byte) (*envelope, error) {
	var env envelope
	if err := xml.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("decode SOAP envelope: %w", err)
	}
	env.Header.Action = strings.TrimSpace(env.Header.Action)
	env.Header.MessageID = strings.TrimSpace(env.Header.MessageID)
	env.Header.ResourceURI = strings.TrimSpace(env.Header.ResourceURI)
	return &env, nil
}

// parseISODuration parses the xs:duration forms WS-Management clients send for
// OperationTimeout: PT60S, PT60.000S, PT5M0S, P0DT0H0M1S. Years and months are
// refused because their length is not fixed.
func parseISODuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	orig := s
	if !strings.HasPrefix(s, "P") {
		return 0, fmt.Errorf("duration %q: missing P", orig)
	}
	s = s[1:]
	var total float64
	inTime, parts := false, 0
	for s != "" {
		if s[0] == 'T' {
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, fmt.Errorf("duration %q: malformed", orig)
		}
		v, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", orig, err)
		}
		unit := s[i]
		s = s[i+1:]
		parts++
		switch {
		case unit == 'D' && !inTime:
			total += v * 86400
		case unit == 'H' && inTime:
			total += v * 3600
		case unit == 'M' && inTime:
			total += v * 60
		case unit == 'S' && inTime:
			total += v
		default:
			return 0, fmt.Errorf("duration %q: unsupported unit %q", orig, unit)
		}
	}
	if parts == 0 {
		return 0, fmt.Errorf("duration %q: no value", orig)
	}
	return time.Duration(total * float64(time.Second)), nil
}

// newGUID returns a random upper-case GUID, the form Windows uses for
// ShellId, CommandId and MessageID.
func newGUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand never fails on supported platforms (Go 1.24+ panics
		// itself); keep the signature simple.
		panic(fmt.Sprintf("wsman: crypto/rand: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// esc escapes text for element content and attribute values.
func esc(s string) string {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return ""
	}
	return b.String()
}

// Reply envelopes copy the shape of the captured Windows replies
// (samples/winrm/masterzen_*.xml, pypsrp recordings): prefixes s/a/x/w/rsp/p,
// xml:lang on the envelope, a:To anonymous and a:RelatesTo the request's
// MessageID (pywinrm asserts RelatesTo on Delete and Signal).
const replyEnvelopeOpen = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">`

const faultEnvelopeOpen = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:e="http://schemas.xmlsoap.org/ws/2004/08/eventing" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">`

func replyHeader(b *strings.Builder, action, relatesTo string) {
	b.WriteString(`<s:Header><a:Action>`)
	b.WriteString(esc(action))
	b.WriteString(`</a:Action><a:MessageID>uuid:`)
	b.WriteString(newGUID())
	b.WriteString(`</a:MessageID><a:To>` + addrAnonymous + `</a:To>`)
	if relatesTo != "" {
		b.WriteString(`<a:RelatesTo>`)
		b.WriteString(esc(relatesTo))
		b.WriteString(`</a:RelatesTo>`)
	}
	b.WriteString(`</s:Header>`)
}

// reply renders a success envelope; body is already-escaped XML ("" for <s:Body/>).
func reply(action, relatesTo, body string) []byte {
	var b strings.Builder
	b.Grow(len(body) + 1024)
	b.WriteString(replyEnvelopeOpen)
	replyHeader(&b, action, relatesTo)
	if body == "" {
		b.WriteString(`<s:Body/>`)
	} else {
		b.WriteString(`<s:Body>`)
		b.WriteString(body)
		b.WriteString(`</s:Body>`)
	}
	b.WriteString(`</s:Envelope>`)
	return []byte(b.String())
}

// wsFault is a WS-Management fault as Windows sends it (HTTP 500).
type wsFault struct {
	code    string // s:Sender or s:Receiver
	subcode string // e.g. w:TimedOut
	reason  string // s:Reason/s:Text, verbatim (Windows keeps trailing spaces)
	detail  string // optional w:FaultDetail URI
	wsCode  uint32 // f:WSManFault Code
	message string // f:WSManFault/f:Message text
}

func (f *wsFault) Error() string {
	return fmt.Sprintf("%s %s (%d): %s", f.code, f.subcode, f.wsCode, strings.TrimSpace(f.reason))
}

// render builds the fault envelope; machine is the host name the client used,
// as Windows echoes it in the Machine attribute.
func (f *wsFault) render(relatesTo, machine string) []byte {
	var b strings.Builder
	b.WriteString(faultEnvelopeOpen)
	replyHeader(&b, actionFault, relatesTo)
	b.WriteString(`<s:Body><s:Fault><s:Code><s:Value>`)
	b.WriteString(f.code)
	b.WriteString(`</s:Value><s:Subcode><s:Value>`)
	b.WriteString(f.subcode)
	b.WriteString(`</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">`)
	b.WriteString(esc(f.reason))
	b.WriteString(`</s:Text></s:Reason><s:Detail>`)
	if f.detail != "" {
		b.WriteString(`<w:FaultDetail>`)
		b.WriteString(esc(f.detail))
		b.WriteString(`</w:FaultDetail>`)
	}
	fmt.Fprintf(&b, `<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="%d" Machine="%s"><f:Message>%s</f:Message></f:WSManFault>`,
		f.wsCode, esc(machine), esc(f.message))
	b.WriteString(`</s:Detail></s:Fault></s:Body></s:Envelope>`)
	return []byte(b.String())
}

// The texts below are copied from real captures (samples/winrm/*fault*) or,
// where no capture exists, from the message table in Windows' wsmerror.h.
const (
	textTimedOut         = "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
	textInvalidSelectors = "The WS-Management service cannot process the request because the request contained invalid selectors for the resource. "
	detailUnexpectedSel  = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors"
	textCommandNotFound  = "The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist. Either the command has completed execution or the client specified an invalid command identifier. "
	textSchemaValidation = "The SOAP XML in the message does not match the corresponding XML schema definition. Change the XML and retry. "
	textInvalidAction    = "The WS-Management service cannot process the request. The WS-Addressing action URI is invalid. Check the documentation for information on how to construct an action URI. "
	textResourceNotFound = "The WS-Management service cannot process the request. The service cannot find the resource identified by the resource URI and selectors. "
	codeTimedOut         = 2150858793 // 0x80338029, captured
	codeInvalidSelectors = 2150858843 // 0x8033805B, captured
	codeSchemaValidation = 2150858817 // 0x80338041 ERROR_WSMAN_SCHEMA_VALIDATION_ERROR
	codeInvalidActionURI = 2150858753 // 0x80338001 ERROR_WSMAN_INVALID_ACTIONURI
	codeResourceNotFound = 2150858752 // 0x80338000 ERROR_WSMAN_RESOURCE_NOT_FOUND
	codeInternalError    = 2147942402 // 0x80070002 as captured from winrscmd.dll; reused for backend failures
)

func faultTimedOut() *wsFault {
	return &wsFault{code: "s:Receiver", subcode: "w:TimedOut", reason: textTimedOut, wsCode: codeTimedOut, message: textTimedOut}
}

func faultShellNotFound(shellID string) *wsFault {
	msg := "The request for the Windows Remote Shell with ShellId " + shellID +
		" failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. "
	return &wsFault{code: "s:Sender", subcode: "w:InvalidSelectors", reason: textInvalidSelectors,
		detail: detailUnexpectedSel, wsCode: codeInvalidSelectors, message: msg}
}

func faultCommandNotFound() *wsFault {
	return &wsFault{code: "s:Sender", subcode: "w:InvalidSelectors", reason: textInvalidSelectors,
		detail: detailUnexpectedSel, wsCode: codeInvalidSelectors, message: textCommandNotFound}
}

func faultSchema() *wsFault {
	return &wsFault{code: "s:Sender", subcode: "w:SchemaValidationError", reason: textSchemaValidation,
		wsCode: codeSchemaValidation, message: textSchemaValidation}
}

func faultInvalidAction() *wsFault {
	return &wsFault{code: "s:Sender", subcode: "a:ActionNotSupported", reason: textInvalidAction,
		wsCode: codeInvalidActionURI, message: textInvalidAction}
}

func faultResourceNotFound() *wsFault {
	return &wsFault{code: "s:Sender", subcode: "w:DestinationUnreachable", reason: textResourceNotFound,
		wsCode: codeResourceNotFound, message: textResourceNotFound}
}

// faultInternal reports that the backend could not run the command, in the
// shape Windows uses when winrscmd.dll fails (w:InternalError).
func faultInternal(text string) *wsFault {
	text = strings.TrimSpace(text) + " "
	return &wsFault{code: "s:Receiver", subcode: "w:InternalError", reason: text, wsCode: codeInternalError, message: text}
}
