# cmsrunbook-script: discover-node
# PowerShell 1.0. One node's facts as tab-separated records; with
# $Cluster = '1' also the cluster's nodes and groups from WMI root\MSCluster.
# Only numbers, registry values, WMI enum values and names are printed, so
# the result reads the same on a Japanese, Portuguese or Italian node.
$t = "`t"
$o = Get-WmiObject Win32_OperatingSystem
'host' + $t + $env:COMPUTERNAME
'os' + $t + $o.Version + $t + $o.ServicePackMajorVersion + $t + $o.LastBootUpTime
$n = Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\CodePage' -ErrorAction SilentlyContinue
'cp' + $t + $n.OEMCP
$s = Get-WmiObject Win32_Service -Filter "Name='ClusSvc'"
$u = 0
if ($s -and $s.State -eq 'Running') { $u = 1 }
'clussvc' + $t + $u
$k = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Exchange\Setup' -ErrorAction SilentlyContinue
$b = ''
if ($k) {
 $f = $k.MsiInstallPath + 'bin\ExSetup.exe'
 if (Test-Path $f) { $b = [Diagnostics.FileVersionInfo]::GetVersionInfo($f).FileVersion }
 else { $b = '' + $k.MsiProductMajor + '.' + $k.MsiProductMinor + '.' + $k.MsiBuildMajor + '.' + $k.MsiBuildMinor }
}
'exchange' + $t + $b
$p = @()
$m = Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -ErrorAction SilentlyContinue
if ($m.PendingFileRenameOperations -or $m.PendingFileRenameOperations2) { $p += 'PendingFileRenameOperations' }
$w = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\'
if (Test-Path ($w + 'WindowsUpdate\Auto Update\RebootRequired')) { $p += 'RebootRequired' }
$v = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Updates' -ErrorAction SilentlyContinue
if ($v.UpdateExeVolatile) { $p += 'UpdateExeVolatile' }
if ([int]$o.Version.Split('.')[0] -ge 6) {
 foreach ($c in 'RebootPending', 'RebootInProgress', 'PackagesPending') {
  if (Test-Path ($w + 'Component Based Servicing\' + $c)) { $p += $c }
 }
}
'pending' + $t + $p.Count + $t + [string]::Join(',', $p)
if ($Cluster -ne '1' -or $u -ne 1) { exit 0 }
$q = 'root\MSCluster'
'cluster' + $t + (Get-WmiObject -Namespace $q MSCluster_Cluster).Name
Get-WmiObject -Namespace $q MSCluster_Node | ForEach-Object { 'node' + $t + $_.Name + $t + $_.State }
$x = @{}
Get-WmiObject -Namespace $q MSCluster_Resource | Where-Object { $_.Type -like 'Microsoft Exchange System Attendant*' } | ForEach-Object { $x[$_.Name] = 1 }
$c = @{}
Get-WmiObject -Namespace $q MSCluster_ResourceGroupToResource | ForEach-Object {
 if ($_.PartComponent -match 'Name="(.*)"' -and $x[$matches[1].Replace('\\', '\')]) {
  if ($_.GroupComponent -match 'Name="(.*)"') { $c[$matches[1].Replace('\\', '\')] = 1 }
 }
}
$r = @{}
Get-WmiObject -Namespace $q MSCluster_NodeToActiveGroup | ForEach-Object {
 if ($_.PartComponent -match 'Name="(.*)"') { $g = $matches[1].Replace('\\', '\')
  if ($_.GroupComponent -match 'Name="(.*)"') { $r[$g] = $matches[1].Replace('\\', '\') } }
}
Get-WmiObject -Namespace $q MSCluster_ResourceGroup | ForEach-Object {
 $i = 0
 if ($c[$_.Name]) { $i = 1 }
 'group' + $t + $_.Name + $t + $_.State + $t + $r[$_.Name] + $t + $i
}
