# cmsrunbook-script: discover-node
# PowerShell 1.0. One node's facts as tab-separated records. Only numbers,
# registry values, WMI enum values and names are printed, so the result
# reads the same on a Japanese, Portuguese or Italian node. The
# cluster-wide view (nodes, groups, quorum) is discover-cluster's; a poll
# runs both in one powershell.exe on the node that answers for the
# cluster (remote.BuildScripts), where the two share one scope and the
# encoded pair must fit cmd.exe's 8191 characters: keep this short
# (-ea is -ErrorAction, PowerShell 1.0 too). Nothing here may change $s
# (the Cluster service) after it is read: discover-cluster reads it.
# The first two lines are discover-cluster's first two: run together, the
# second copy is left out (BuildScripts), so nothing before that point may
# change $t or $s.
$t = "`t"
$s = Get-WmiObject Win32_Service -Filter "Name='ClusSvc'"
$h = 'HKLM:\SOFTWARE\Microsoft\'
$y = 'HKLM:\SYSTEM\CurrentControlSet\Control\'
$o = Get-WmiObject Win32_OperatingSystem
'host' + $t + $env:COMPUTERNAME
'os' + $t + $o.Version + $t + $o.ServicePackMajorVersion + $t + $o.LastBootUpTime
'cp' + $t + (Get-ItemProperty ($y + 'Nls\CodePage') -ea SilentlyContinue).OEMCP
$u = 0
if ($s -and $s.State -eq 'Running') { $u = 1 }
'clussvc' + $t + $u
$k = Get-ItemProperty ($h + 'Exchange\Setup') -ea SilentlyContinue
$b = ''
if ($k) {
 $f = $k.MsiInstallPath + 'bin\ExSetup.exe'
 if (Test-Path $f) { $b = [Diagnostics.FileVersionInfo]::GetVersionInfo($f).FileVersion }
 else { $b = '' + $k.MsiProductMajor + '.' + $k.MsiProductMinor + '.' + $k.MsiBuildMajor + '.' + $k.MsiBuildMinor }
}
'exchange' + $t + $b
# Each role key under v8.0 (MailboxRole, AdminTools, ClusteredMailboxServer,
# ...): the version Setup last finished configuring, and the Watermark and
# Action values a Setup that stopped part way leaves behind.
$x = $h + 'Exchange\v8.0'
if (Test-Path $x) {
 Get-ChildItem $x | ForEach-Object {
  $r = Get-ItemProperty $_.PSPath
  if ($r.ConfiguredVersion -or $r.Watermark -or $r.Action) {
   'role' + $t + $_.PSChildName + $t + $r.ConfiguredVersion + $t + $r.Watermark + $t + $r.Action
  }
 }
}
$p = @()
$m = Get-ItemProperty ($y + 'Session Manager') -ea SilentlyContinue
if ($m.PendingFileRenameOperations -or $m.PendingFileRenameOperations2) { $p += 'PendingFileRenameOperations' }
$w = $h + 'Windows\CurrentVersion\'
if (Test-Path ($w + 'WindowsUpdate\Auto Update\RebootRequired')) { $p += 'RebootRequired' }
if ((Get-ItemProperty ($h + 'Updates') -ea SilentlyContinue).UpdateExeVolatile) { $p += 'UpdateExeVolatile' }
if ([int]$o.Version.Split('.')[0] -ge 6) {
 foreach ($c in 'RebootPending', 'RebootInProgress', 'PackagesPending') {
  if (Test-Path ($w + 'Component Based Servicing\' + $c)) { $p += $c }
 }
}
'pending' + $t + $p.Count + $t + [string]::Join(',', $p)
# Whether each file the window needs ($Paths, separated by |: Setup.com in
# the media folder, the update package) is on this node.
foreach ($f in $Paths.Split('|')) {
 if ($f -ne '') {
  $i = 0
  if (Test-Path -LiteralPath $f) { $i = 1 }
  'path' + $t + $f + $t + $i
 }
}
