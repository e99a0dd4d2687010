// Package synth writes a realistic synthetic force: a complete record
// extract (every file of the extract contract) whose structure is known,
// plus a truth/ folder that tau load ignores and tests read.
//
// The generator is a small generative model, documented in truth/model.json
// of every extract it writes:
//
//   - perpetrators with one or more victims (serial perpetrators), victims
//     mostly female, a few couples with counter-allegations;
//   - a latent incident rate per relationship that escalates in some and
//     decays in most, with short spikes;
//   - a DASH for most occurrences, answered from latent traits (coercive
//     control, violence, strangulation, separation, stalking...) with the
//     documented inconsistency of "ever" items answered yes, later no;
//   - offences with Home Office codes from the CCHI table, including the
//     perpetrator's offending against others, so harm is concentrated;
//   - serious-harm outcomes drawn from a known logistic model of the traits;
//   - problem-management plans opened after spikes (so regression to the
//     mean is present), a known true plan effect, and victim engagement
//     that raises reporting by a known factor.
//
// Output is deterministic for a seed and streams to disk, so a national
// extract (2,000,000 relationships) fits in a small, fixed amount of memory.
// No real person is represented; every id and date is made up. It is pure
// Go and may import extract and internal/param.
package synth
