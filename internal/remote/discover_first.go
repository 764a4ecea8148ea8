package remote

import (
	"context"
	"errors"

	"cmsrunbook/runbook"
)

// firstContact asks the nodes for their facts one at a time, starting at
// the lead, until one answers at all: refused credentials there end the
// observation before any other node is asked. A domain account locks out
// after a few refusals (the threshold is commonly 3 to 5), and asking
// every node of an eight-node cluster at once with a mistyped password
// would spend them all in one go. A node that cannot be reached has not
// seen the credentials, so the next one is asked; asked says which nodes
// were, and infos holds their answers. Each is asked for the cluster's
// view too, in the same powershell.exe: first is the node that answered
// (-1 when none did) and ci what it said of the cluster.
func (e *Executor) firstContact(ctx context.Context, lead int, wait bool) (infos []nodeInfo, asked []bool, first int, ci clusterInfo, err error) {
	infos = make([]nodeInfo, len(e.order))
	asked = make([]bool, len(e.order))
	first = -1
	for k := range e.order {
		i := (lead + k) % len(e.order)
		var c clusterInfo
		infos[i], c = e.discoverNode(ctx, e.conns[e.order[i]].name, true, wait)
		asked[i] = true
		nerr := infos[i].err
		if nerr != nil && errors.Is(nerr, runbook.ErrAuthFailed) {
			return nil, nil, -1, clusterInfo{}, wrap(say("discovering the cluster (the credentials were tried on this node only): %s", nerr), nerr)
		}
		if nerr == nil || !errors.Is(nerr, runbook.ErrConnectionLost) || ctx.Err() != nil {
			if nerr == nil {
				first, ci = i, c
			}
			break // the node answered: the credentials are good
		}
	}
	return infos, asked, first, ci, nil
}
