package helmrequest

// DriftInput is the diff.Input a drift check builds, for tests of what the
// diff's output shows of secret values.
var DriftInput = driftInput
