# cmsrunbook-script: job-start
# PowerShell 1.0. Starts $Line detached under job $JobId with WMI
# Win32_Process.Create, outside the WinRM shell's job object, so a dropped
# connection or a closed session never kills it. The job writes
# %TEMP%\cmsrunbook\<JobId>.log and, when it ends, <JobId>.exit. A job ID
# that exists already is never started again: the caller re-attaches.
$t = "`t"
$d = $env:TEMP + '\cmsrunbook'
$j = $d + '\' + $JobId
if (-not (Test-Path $d)) { $null = New-Item -ItemType Directory -Path $d }
if (Test-Path ($j + '.cmd')) { 'exists' + $t + $JobId; exit 0 }
$b = '@echo off' + "`r`n" + $Line + ' > "' + $j + '.log" 2>&1' + "`r`n" + 'echo %ERRORLEVEL%> "' + $j + '.tmp"' + "`r`n" + 'move /y "' + $j + '.tmp" "' + $j + '.exit" > nul' + "`r`n"
[IO.File]::WriteAllText($j + '.cmd', $b, [Text.Encoding]::Default)
$r = ([wmiclass]'root\cimv2:Win32_Process').Create('cmd.exe /c "' + $j + '.cmd"', $d, $null)
if ($r.ReturnValue -ne 0) { 'failed' + $t + $r.ReturnValue; exit 1 }
[IO.File]::WriteAllText($j + '.pid', '' + $r.ProcessId)
'started' + $t + $r.ProcessId
