# cmsrunbook-script: discover-cluster
# PowerShell 1.0, on one node whose Cluster service runs: the cluster's
# name, nodes, groups and quorum from WMI root\MSCluster, as tab-separated
# records of names and numbers only (MSCluster_Node.State,
# MSCluster_ResourceGroup.State, MSCluster_Resource.State), so the result
# reads the same on a Japanese, Portuguese or Italian node. Nothing is
# printed when the Cluster service is not running here.
$t = "`t"
$s = Get-WmiObject Win32_Service -Filter "Name='ClusSvc'"
if (-not $s -or $s.State -ne 'Running') { exit 0 }
$q = 'root\MSCluster'
'cluster' + $t + (Get-WmiObject -Namespace $q MSCluster_Cluster).Name
Get-WmiObject -Namespace $q MSCluster_Node | ForEach-Object { 'node' + $t + $_.Name + $t + $_.State }
$x = @{}
$a = ''
$b = ''
$f = ''
$w = ''
$z = ''
# An association's ends are WMI paths, Class.Name="name" with each \
# doubled: the name is what is between the first two quotes.
Get-WmiObject -Namespace $q MSCluster_ClusterToQuorumResource | ForEach-Object { $z = $_.PartComponent.Split('"')[1].Replace('\\', '\') }
Get-WmiObject -Namespace $q MSCluster_Resource | ForEach-Object {
 if ($_.Type -like 'Microsoft Exchange System Attendant*') { $x[$_.Name] = 1 }
 if ($_.Type -eq 'File Share Witness') { $w = $_.State }
 if ($_.Name -eq $z) { $a = $_.Type; $b = $_.State; $f = $_.PrivateProperties.MNSFileShare }
}
$c = @{}
Get-WmiObject -Namespace $q MSCluster_ResourceGroupToResource | ForEach-Object {
 if ($x[$_.PartComponent.Split('"')[1].Replace('\\', '\')]) { $c[$_.GroupComponent.Split('"')[1].Replace('\\', '\')] = 1 }
}
$r = @{}
Get-WmiObject -Namespace $q MSCluster_NodeToActiveGroup | ForEach-Object {
 $r[$_.PartComponent.Split('"')[1].Replace('\\', '\')] = $_.GroupComponent.Split('"')[1].Replace('\\', '\')
}
Get-WmiObject -Namespace $q MSCluster_ResourceGroup | ForEach-Object {
 $i = 0
 if ($c[$_.Name]) { $i = 1 }
 'group' + $t + $_.Name + $t + $_.State + $t + $r[$_.Name] + $t + $i
}
# The quorum resource's type and state, the majority node set's file share
# witness (a private property on Windows Server 2003, where the witness is
# no resource of its own), and the state of a 2008 File Share Witness.
'quorum' + $t + $a + $t + $b + $t + $f + $t + $w
