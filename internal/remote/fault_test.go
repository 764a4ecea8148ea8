package remote

import (
	"errors"
	"strings"
	"testing"

	"cmsrunbook/runbook"
)

// The two faults Windows sends with code 2150858843 (captured texts,
// WINRM.md): a shell that is gone means the node or WinRM restarted; a
// command ID it does not know does not, and must not be reported so.
func TestShellAndCommandNotFoundFaultsSaySoApart(t *testing.T) {
	body := func(msg string) []byte {
		return []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault>` +
			`<s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value></s:Subcode></s:Code>` +
			`<s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request because the request contained invalid selectors for the resource. </s:Text></s:Reason>` +
			`<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858843" Machine="exnode01"><f:Message>` + msg + `</f:Message></f:WSManFault></s:Detail>` +
			`</s:Fault></s:Body></s:Envelope>`)
	}
	cmd := parseFault(body("The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist. Either the command has completed execution or the client specified an invalid command identifier. ")).err("EXNODE01")
	if strings.Contains(cmd.Error(), "restarted") || !strings.Contains(cmd.Error(), "does not know this command") || !errors.Is(cmd, runbook.ErrConnectionLost) {
		t.Errorf("bad CommandId reported as %v", cmd)
	}
	shell := parseFault(body("The request for the Windows Remote Shell with ShellId 1 failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. ")).err("EXNODE01")
	if !strings.Contains(shell.Error(), "restarted") || !errors.Is(shell, runbook.ErrConnectionLost) {
		t.Errorf("shell not found reported as %v", shell)
	}
}
