# cmsrunbook-script: job-tail
# PowerShell 1.0. The log of job $JobId from byte $Offset (at most 64 KiB,
# base64, so no code page mangles it on the way) and then the job's state:
# found, running, exit code, log size. A job whose process is gone without
# an exit file (the node restarted under it) reports exit code -1.
$t = "`t"
$j = $env:TEMP + '\cmsrunbook\' + $JobId
if (-not (Test-Path ($j + '.cmd'))) { 'state' + $t + '0' + $t + '0' + $t + '0' + $t + '0'; exit 0 }
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
if (Test-Path ($j + '.exit')) { $g = 0; $e = [int](Get-Content ($j + '.exit') | Select-Object -First 1) }
elseif (Test-Path ($j + '.pid')) {
 $i = Get-Content ($j + '.pid') | Select-Object -First 1
 if (-not (Get-WmiObject Win32_Process -Filter ('ProcessId=' + $i))) { $g = 0; $e = -1 }
}
'state' + $t + '1' + $t + $g + $t + $e + $t + $z
