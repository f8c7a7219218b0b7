// The control API's payloads as the UI reads them: names for the shapes in the generated
// control-api.gen.ts, which `npm run gen:api` writes from the control API's OpenAPI document
// (itself made from the TypeBox schemas in gateway/). Nothing here is a copy of a gateway
// shape: change the schema, regenerate, and these follow.
import type { paths } from './control-api.gen'

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never
type Op<P extends keyof paths, M extends string> = M extends keyof paths[P] ? paths[P][M] : never
/** What a route answers on success (200, or 201 for a create). */
type Ok<P extends keyof paths, M extends string = 'get'> =
  Op<P, M> extends { responses: { 200: infer R } }
    ? Json<R>
    : Op<P, M> extends { responses: { 201: infer R } }
      ? Json<R>
      : never
/** What a route takes as its JSON body. */
type Body<P extends keyof paths, M extends string> =
  Op<P, M> extends { requestBody?: infer B } ? Json<NonNullable<B>> : never
/** What a route takes in its query string. */
type Query<P extends keyof paths, M extends string = 'get'> =
  Op<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never

// --- Status, backends, discovery ---------------------------------------------------

export type Status = Ok<'/control/status'>
export type Backend = Status['backends'][number]
export type BackendState = Backend['state']
export type LiveSnapshot = Status['live']
export type BackendsView = Ok<'/control/backends'>
export type Candidate = BackendsView['candidates'][number]
export type BackendInput = Body<'/control/backends', 'post'>

// --- Keys --------------------------------------------------------------------------

export type KeyView = Ok<'/control/keys'>[number]
export type CreatedKey = Ok<'/control/keys', 'post'>
export type PublicKey = Omit<KeyView, 'lastUsedAt' | 'usageToday' | 'active'>
export type Scope = KeyView['scopes'][number]
/** Every scope, in the order the UI offers them (checked against the schema's list). */
export const SCOPES = [
  'inference',
  'models',
  'metrics',
  'admin',
] as const satisfies readonly Scope[]
type ModelOptionValue = Exclude<KeyView['options'][keyof KeyView['options']], undefined>
/** Ollama option name -> value (`num_ctx`: 8192, `stop`: ["END"]); the names are the schema's. */
export type ModelOptions = Record<string, ModelOptionValue>
export type KeyInput = Body<'/control/keys', 'post'>
/** A change to a key: `options` is merged (a name set to null is removed). */
export type KeyPatch = Body<'/control/keys/{id}', 'patch'>

// --- Device keys (the `ollama` CLI's signatures) ------------------------------------

export type DevicesView = Ok<'/control/devices'>
export type PendingDevice = DevicesView['pending'][number]
export type DeniedDevice = DevicesView['denied'][number]
export type EnrolledDevice = DevicesView['enrolled'][number]

// --- Access lists ------------------------------------------------------------------

export type AccessLists = Ok<'/control/access'>
export type AccessListName = keyof AccessLists
export type AccessPreset = Ok<'/control/access/presets'>[number]

// --- Settings ----------------------------------------------------------------------

export type Settings = Ok<'/control/settings'>
export type SettingsPatch = Body<'/control/settings', 'patch'>
export type Limits = Settings['limits']['defaults']
export type TlsSettings = Settings['server']['tls']
export type TlsMode = TlsSettings['mode']

// --- Stats -------------------------------------------------------------------------

export type RequestRecord = Ok<'/control/stats/recent'>[number]
export type Outcome = RequestRecord['outcome']
export type StatsSummary = Ok<'/control/stats/summary'>
export type Aggregate = Omit<StatsSummary['totals'], 'since' | 'until' | 'outcomes'>
export type BreakdownBy = NonNullable<Query<'/control/stats/summary'>['by']>
export type StatsSeries = Ok<'/control/stats/series'>
export type SeriesPoint = StatsSeries['points'][number]
/** A model pull as `GET /control/pulls` lists it (newest first). */
export type Pull = Ok<'/control/pulls'>[number]

// --- The owner's controls ----------------------------------------------------------

/** Who is using the GPU now (GET /control/activity/now, `event: activity`). */
export type Activity = Ok<'/control/activity/now'>
export type ActivityRow = Activity['keys'][number]
export type KeyPause = Activity['paused'][number]
export type Pause = NonNullable<Activity['everyone']>
export type PauseInput = Body<'/control/keys/{id}/pause', 'post'>

/** The live feed's events (GET /control/events, server-sent): each carries a shape above. */
export type LiveEvent =
  | { type: 'tick'; snapshot: LiveSnapshot }
  | { type: 'request'; record: RequestRecord }
  | { type: 'activity'; activity: Activity }

// --- HTTPS and the network binding -------------------------------------------------

export type TlsStatus = Status['tls']
export type CertificateInfo = NonNullable<TlsStatus['certificate']>
export type NetworkState = Ok<'/control/network'>
export type RememberedNetwork = NetworkState['remembered'][number]
