# cmsrunbook-script: job-tail
# PowerShell 1.0. The log of job $JobId from byte $Offset (at most 64 KiB,
# base64, so no code page mangles it on the way) and then the job's state:
# found, running, exit code, log size, and why a job ended without an
# exit code: "noexitcode" (its .exit file holds no number; read as 0 it
# would pass a failed install as a success), "restarted" (the node booted
# since the job started), "notstarted" (no task was ever started for it,
# or it never began within two minutes) or "gone" (its cmd.exe is no
# longer running). Matching the process by its command line, not a
# process ID, means a PID reused after a reboot never keeps a dead job
# alive. An ended job's task is deleted; with $Forget = '1' its files are
# too.
$t = "`t"
$j = $env:SystemRoot + '\Temp\cmsrunbook\' + $JobId
if (-not (Test-Path ($j + '.cmd'))) { 'state' + $t + '0' + $t + '0' + $t + '0' + $t + '0' + $t; exit 0 }
$z = 0
if (Test-Path ($j + '.log')) {
 $z = (Get-Item ($j + '.log')).Length
 $o = [long]$Offset
 if ($Read -eq '1' -and $z -gt $o) {
  $s = New-Object IO.FileStream(($j + '.log'), 'Open', 'Read', 'ReadWrite')
  $null = $s.Seek($o, 'Begin')
  $n = [Math]::Min($z - $o, 65536)
  $a = New-Object byte[] $n
  $n = $s.Read($a, 0, $n)
  $s.Close()
  'data' + $t + ($o + $n) + $t + [Convert]::ToBase64String($a, 0, $n)
 }
}
$e = 0
$g = 1
$w = ''
$v = Get-WmiObject Win32_OperatingSystem
if (Test-Path ($j + '.exit')) {
 $g = 0
 $x = '' + (Get-Content ($j + '.exit') | Select-Object -First 1)
 if ($x -match '^\s*-?[0-9]+\s*$') { $e = [int]$x } else { $e = -1; $w = 'noexitcode' }
} else {
 $b = ''
 if (Test-Path ($j + '.boot')) { $b = Get-Content ($j + '.boot') | Select-Object -First 1 }
 if ($b -and $b -ne $v.LastBootUpTime) { $g = 0; $e = -1; $w = 'restarted' }
 elseif (-not (Test-Path ($j + '.began'))) {
  if (-not (Test-Path ($j + '.task'))) { $g = 0; $e = -1; $w = 'notstarted' }
  elseif (((Get-Date) - (Get-Item ($j + '.task')).LastWriteTime).TotalSeconds -gt 120) { $g = 0; $e = -1; $w = 'notstarted' }
 }
 elseif (-not (Get-WmiObject Win32_Process -Filter "Name='cmd.exe'" | Where-Object { $_.CommandLine -like ('*\' + $JobId + '.cmd*') })) {
  if (-not (Test-Path ($j + '.exit'))) { $g = 0; $e = -1; $w = 'gone' }
 }
}
if ($g -eq 0 -and (Test-Path ($j + '.task'))) {
 $k = 'cmsrunbook-' + $JobId
 if ([int]$v.Version.Split('.')[0] -ge 6) {
  $s = New-Object -ComObject Schedule.Service
  $s.Connect()
  $s.GetFolder('\').DeleteTask($k, 0)
 } else { $null = schtasks.exe /delete /tn $k /f }
 Remove-Item ($j + '.task')
}
if ($g -eq 0 -and $Forget -eq '1') {
 foreach ($x in 'cmd', 'boot', 'began', 'log', 'exit') { if (Test-Path ($j + '.' + $x)) { Remove-Item ($j + '.' + $x) } }
}
'state' + $t + '1' + $t + $g + $t + $e + $t + $z + $t + $w
