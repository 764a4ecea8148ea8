# cmsrunbook-script: job-start
# PowerShell 1.0. Starts job $JobId as a scheduled task under $User, the
# engineer's account. Standard input brings two lines: the password, then
# the batch file to run (base64 of UTF-8 text; remote.JobBatch builds it).
#
# Why a task: a WinRM shell is a network logon, which cannot pass the
# engineer's credentials on to Active Directory (the double hop), so
# Setup.com and the Exchange snap-in fail inside it. A task that logs on
# with the password can reach AD, and runs detached: a dropped connection
# never kills the job. The password reaches the Task Scheduler 2.0 API on
# Windows Server 2008 without touching a command line; on 2003 the only
# scriptable way is schtasks.exe /rp, whose command line the node's
# administrators can read while it runs.
#
# Files, in %SystemRoot%\Temp\cmsrunbook (no spaces, so 2003's schtasks
# needs no nested quotes): <JobId>.cmd (in the node's OEM code page, the
# one cmd.exe reads batch files in), .boot (the boot the job started in),
# .task (a task to delete when the job ends), and what the batch writes
# (.began, .log, .exit). A job ID that exists is never started again: the
# caller re-attaches.
$t = "`t"
$p = [Console]::In.ReadLine()
$c = [Console]::In.ReadLine()
$j = ''
trap { if ($j) { [IO.File]::Delete($j + '.cmd') }; 'failed' + $t + $_; exit 1 }
$d = $env:SystemRoot + '\Temp\cmsrunbook'
if ($d.Contains(' ')) { 'refused' + $t + 'the job folder ' + $d + ' holds a space'; exit 1 }
if (-not (Test-Path $d)) { $null = New-Item -ItemType Directory -Path $d }
if (Test-Path ($d + '\' + $JobId + '.cmd')) { 'exists' + $t + $JobId; exit 0 }
$n = Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\CodePage'
$e = [Text.Encoding]::GetEncoding([int]$n.OEMCP)
$b = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($c))
if ($e.GetString($e.GetBytes($b)) -ne $b) { 'refused' + $t + 'code page ' + $n.OEMCP + ' cannot hold the command line'; exit 1 }
$o = Get-WmiObject Win32_OperatingSystem
$j = $d + '\' + $JobId
[IO.File]::WriteAllText($j + '.boot', $o.LastBootUpTime)
[IO.File]::WriteAllText($j + '.cmd', $b, $e)
$k = 'cmsrunbook-' + $JobId
[IO.File]::WriteAllText($j + '.task', $k)
if ([int]$o.Version.Split('.')[0] -ge 6) {
 $s = New-Object -ComObject Schedule.Service
 $s.Connect()
 $w = $s.NewTask(0)
 $w.Settings.ExecutionTimeLimit = 'PT0S'
 $w.Settings.DisallowStartIfOnBatteries = $false
 $w.Settings.StopIfGoingOnBatteries = $false
 $w.Principal.RunLevel = 1
 $x = $w.Actions.Create(0)
 $x.Path = 'cmd.exe'
 $x.Arguments = '/c ' + $j + '.cmd'
 $x.WorkingDirectory = $d
 $r = $s.GetFolder('\').RegisterTaskDefinition($k, $w, 6, $User, $p, 1)
 $null = $r.Run($null)
} else {
 $null = schtasks.exe /create /tn $k /tr ('cmd.exe /c ' + $j + '.cmd') /sc once /st 00:00:00 /ru $User /rp $p
 if ($LASTEXITCODE -ne 0) { [IO.File]::Delete($j + '.cmd'); 'failed' + $t + 'schtasks /create exited ' + $LASTEXITCODE; exit 1 }
 $null = schtasks.exe /run /tn $k
 if ($LASTEXITCODE -ne 0) { [IO.File]::Delete($j + '.cmd'); 'failed' + $t + 'schtasks /run exited ' + $LASTEXITCODE; exit 1 }
}
'started' + $t + $k
