# cmsrunbook-script: discover-exchange
# PowerShell 1.0 with the Exchange 2007 snap-in. For each CMS in $Cms
# (comma-separated): its clustered storage type, its build and its state
# (Get-ClusteredMailboxServerStatus), and the copy status of its storage
# groups. Enum values print as their (never localised) names; builds print
# as numbers.
Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin -ErrorAction SilentlyContinue
$t = "`t"
foreach ($n in $Cms.Split(',')) {
 if ($n -eq '') { continue }
 $s = Get-MailboxServer -Identity $n
 $v = (Get-ExchangeServer -Identity $n).AdminDisplayVersion
 $c = Get-ClusteredMailboxServerStatus -Identity $n -ErrorAction SilentlyContinue
 'cms' + $t + $n + $t + $s.ClusteredStorageType + $t + $v.Major + '.' + $v.Minor + '.' + $v.Build + '.' + $v.Revision + $t + $c.State
 if ('' + $s.ClusteredStorageType -eq 'NonShared') {
  Get-StorageGroupCopyStatus -Server $n | ForEach-Object {
   'copy' + $t + $n + $t + $_.StorageGroupName + $t + $_.SummaryCopyStatus + $t + $_.CopyQueueLength + $t + $_.ReplayQueueLength
  }
 }
}
