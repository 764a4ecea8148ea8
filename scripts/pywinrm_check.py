#!/usr/bin/env python3
"""Check a WinRM endpoint with an independent client (Debian's python3-winrm).

CI runs this against `cmsrunbook serve-sim` so that the simulated nodes are
proven to speak WinRM the way a second, unrelated client expects, not only
the way masterzen/winrm's XPath shortcuts happen to accept.

Usage:
  pywinrm_check.py --endpoint http://127.0.0.1:PORT/wsman --user U --password P
                   [--ps SCRIPT] [--exchange-ps CMDLET] [--expect-hostname NAME]
                   [--ca-file CA.pem]

--exchange-ps is an Exchange cmdlet sent straight through the WinRM shell,
as a naive client would: on a real node (and on serve-sim) it must fail on
Active Directory, because a WinRM logon cannot pass credentials on (the
double hop); cmsrunbook itself runs such commands through a scheduled task.

An http:// endpoint is reached with Basic, so the node must allow
unencrypted messages (AllowUnencrypted=true: serve-sim's default without
--tls). One with AllowUnencrypted=false, the Windows default, refuses
every request with the 401 of a wrong password, which python3-winrm
reports as InvalidCredentialsError; use https:// there.

Exits 0 when every check passes, 1 with one line per mismatch otherwise,
2 when python3-winrm is missing or the arguments are wrong.
"""

import argparse
import base64
import sys

try:
    import winrm
    from winrm.exceptions import InvalidCredentialsError
except ImportError:  # pragma: no cover - depends on the host
    sys.stderr.write("pywinrm_check: python3-winrm is not installed (apt-get install python3-winrm)\n")
    sys.exit(2)


def session(args, password):
    kwargs = {
        "transport": "basic" if args.endpoint.startswith("http://") else "ssl",
        # read timeout must exceed the operation timeout (pywinrm enforces it).
        "operation_timeout_sec": 20,
        "read_timeout_sec": 30,
    }
    if args.endpoint.startswith("https://"):
        kwargs["server_cert_validation"] = "validate"
        if args.ca_file:
            kwargs["ca_trust_path"] = args.ca_file
    return winrm.Session(args.endpoint, auth=(args.user, password), **kwargs)


def text(b):
    return b.decode("utf-8", "replace")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", required=True, help="http(s)://host:port/wsman")
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--ps", default="Get-Service ClusSvc",
                   help="PowerShell script for the run_ps check (default: %(default)s)")
    p.add_argument("--exchange-ps", help="an Exchange cmdlet that must fail on Active Directory when run straight in the shell")
    p.add_argument("--expect-hostname", help="require `hostname` to print this name")
    p.add_argument("--ca-file", help="CA certificate (PEM) for an https endpoint")
    args = p.parse_args()

    failures = []

    def check(name, ok, detail):
        print("%s %s" % ("ok  " if ok else "FAIL", name))
        if not ok:
            failures.append("%s: %s" % (name, detail))

    s = session(args, args.password)

    try:
        r = s.run_cmd("hostname")
        out = text(r.std_out).strip()
        ok = r.status_code == 0 and out != ""
        if args.expect_hostname:
            ok = ok and out.lower() == args.expect_hostname.lower()
        check("hostname", ok, "exit %d, stdout %r, stderr %r" % (r.status_code, out, text(r.std_err)))
    except Exception as e:  # report every check, not only the first failure
        check("hostname", False, repr(e))

    try:
        r = s.run_cmd("cluster node /status")
        check("cluster node /status", r.status_code == 0 and text(r.std_out).strip() != "",
              "exit %d, stdout %r, stderr %r" % (r.status_code, text(r.std_out), text(r.std_err)))
    except Exception as e:
        check("cluster node /status", False, repr(e))

    try:
        r = s.run_ps(args.ps)
        check("run_ps %r" % args.ps, r.status_code == 0 and text(r.std_out).strip() != "",
              "exit %d, stdout %r, stderr %r" % (r.status_code, text(r.std_out), text(r.std_err)))
    except Exception as e:
        check("run_ps %r" % args.ps, False, repr(e))

    if args.exchange_ps:
        try:
            # What run_ps sends, sent through run_cmd: Debian's pywinrm 0.3.0
            # crashes in run_ps whenever stderr is not empty (its CLIXML
            # cleanup compares bytes with str), and this check expects an
            # error on stderr.
            enc = base64.b64encode(args.exchange_ps.encode("utf_16_le")).decode("ascii")
            r = s.run_cmd("powershell -encodedcommand %s" % enc)
            err = text(r.std_err) + text(r.std_out)
            check("double hop: %r fails on Active Directory" % args.exchange_ps,
                  r.status_code != 0 and "Active Directory" in err,
                  "exit %d, output %r" % (r.status_code, err))
        except Exception as e:
            check("double hop", False, repr(e))

    try:
        r = s.run_cmd("nosuchcommand-cmsrunbook")
        err = text(r.std_err)
        # cmd.exe's own exit code for a command it cannot find.
        check("unknown command", r.status_code == 9009 and "is not recognized as an internal or external command" in err,
              "exit %d, stderr %r" % (r.status_code, err))
    except Exception as e:
        check("unknown command", False, repr(e))

    try:
        session(args, args.password + "-wrong").run_cmd("hostname")
        check("wrong password", False, "the server accepted a wrong password")
    except InvalidCredentialsError:
        check("wrong password", True, "")
    except Exception as e:
        check("wrong password", False, "expected InvalidCredentialsError, got %r" % (e,))

    if failures:
        for f in failures:
            sys.stderr.write("pywinrm_check: %s\n" % f)
        sys.exit(1)


if __name__ == "__main__":
    main()
