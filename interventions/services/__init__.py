"""Services of the intervention loop: proposals, the approval queue, outcomes, the nightly chain."""
