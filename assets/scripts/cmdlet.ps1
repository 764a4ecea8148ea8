# cmsrunbook-script: cmdlet
# PowerShell 1.0: runs one Exchange Management Shell line (the line after
# the cmsrunbook-line marker) with the Exchange 2007 snap-in loaded. The
# exit code is 1 when the line failed, so the engine never reads success
# from an error it did not see.
Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin
$ErrorActionPreference = 'Stop'
trap { $_; exit 1 }
# cmsrunbook-line
