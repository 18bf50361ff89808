// The functions a platform query may call: an allow list, so a function DuckDB adds in a later version is refused
// until someone decides it is safe.
//
// How it was derived: `SELECT DISTINCT function_name, function_type FROM duckdb_functions()` on the platform's DuckDB
// (@duckdb/node-api 1.5.6, DuckDB v1.5.6, with core_functions, icu, json and parquet loaded) lists 611 scalar, 88
// aggregate, 118 macro, 89 table, 4 table-macro and 45 pragma names. From the scalar, aggregate and macro names we kept
// what an epidemiologist's analysis needs (424 names), group by group below, plus the names DuckDB's parser writes for SQL syntax
// (`x + y` is a call of `+`, `LIKE` of `~~`, `[1, 2]` of `list_value`, `EXTRACT` of `date_part`, `count(*)` of
// `count_star`, `n!` of `!__postfix`, `INTERVAL 1 DAY` of `to_days` over `trunc`).
//
// Left out, and why:
// - every table function and table macro (read_*, glob, query, query_table, range/generate_series/unnest in FROM,
//   duckdb_*, pragma_*, sql_auto_complete, …): the checker refuses any table function before it looks at this list;
// - anything that reads the engine's settings, variables, session, catalogue or storage: current_setting,
//   getvariable, current_schema(s), current_database, current_catalog, current_query(_id), current_connection_id,
//   current_transaction_id, txid_current, in_search_path, session/current user and role, version, stats,
//   get_block_size, vector_type, typeof's relatives that look types up by name (make_type, get_type, replace_type,
//   cast_to_type), enum_* (they read enum types from the catalogue), the pg_catalog macros (pg_*, has_*_privilege,
//   col_description, obj_description, format_type, format_pg_type, map_to_pg_oid, shobj_description);
// - the engine's own parser and planner: json_serialize_sql, json_deserialize_sql, json_serialize_plan;
// - anything with a side effect on the connection or the host: nextval and currval (sequences), setseed, write_log,
//   parse_duckdb_log_message, sleep_ms and pg_sleep (a query that only waits);
// - error(): it writes a value of the query's choosing into an error message, a channel the error sanitiser would
//   then have to trust;
// - aggregate-state internals (combine, finalize, and EXPORT_STATE, which the checker refuses) and DuckDB's internal
//   helpers (__internal_*, constant_or_null, create_sort_key, remap_struct, alias, sum_no_overflow, …);
// - hashes and encodings (hash, md5*, sha1, sha256, base64, hex, bin, encode, decode, url_*): project pseudonyms are
//   already keyed; an unkeyed hash of one adds nothing an analysis needs, and the list stays lean;
// - JSON, variant, union, bitstring, geometry (st_*), file-path (parse_path, parse_filename, …) and size-formatting
//   functions: the project's relations hold none of these types;
// - uuid, uuidv4, uuidv7, gen_random_uuid: harmless, but no analysis needs them (uuidv7 also carries the clock).
// Kept although they read no data: `random()` (ordering rows at random, drawing a random subset) and the clock (now,
// today, current_date, …: an age or an interval up to today); neither can reveal anything about the data.

/** A set that refuses to change after it is made: the allow list cannot be widened at run time by any caller. */
class FrozenNameSet extends Set<string> {
  private sealed = false;
  constructor(names: Iterable<string>) {
    super();
    for (const name of names) super.add(name);
    this.sealed = true;
    Object.freeze(this);
  }
  override add(name: string): this {
    if (this.sealed) throw new TypeError('The platform query allow list cannot change.');
    return super.add(name);
  }
  override delete(): boolean {
    throw new TypeError('The platform query allow list cannot change.');
  }
  override clear(): void {
    throw new TypeError('The platform query allow list cannot change.');
  }
}

/** The names in a block of text, one or more separated by white space. */
function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

/** Operators the parser writes as function calls: arithmetic, text, pattern, list and bitwise. */
const OPERATORS = words(`
  + - * / // % ^ ** @ !__postfix || ^@ ~~ !~~ ~~* !~~* ~~~ && @> <@ & | ~ << >> xor
`);

const MATH = words(`
  abs sign signbit ceil ceiling floor round round_even roundbankers trunc even add subtract multiply
  divide mod fmod fdiv pow power sqrt cbrt exp ln log log2 log10 gamma lgamma factorial gcd lcm
  greatest_common_divisor least_common_multiple pi degrees radians sin cos tan cot asin acos atan atan2
  sinh cosh tanh asinh acosh atanh isnan isinf isfinite nextafter bit_count random equi_width_bins
`);

const TEXT = words(`
  lower upper lcase ucase length len char_length character_length strlen concat concat_ws substring substr
  left right lpad rpad trim ltrim rtrim replace reverse translate split_part string_split str_split
  string_to_array split contains starts_with ends_with prefix suffix instr position strpos strip_accents
  nfc_normalize ascii chr format printf array_to_string levenshtein damerau_levenshtein hamming jaccard
  jaro_similarity jaro_winkler_similarity
`);

const PATTERNS = words(`
  like_escape not_like_escape ilike_escape not_ilike_escape regexp_matches regexp_full_match
  regexp_replace regexp_extract regexp_extract_all regexp_split_to_array regexp_escape string_split_regex
  str_split_regex
`);

const DATES = words(`
  date_part datepart date_trunc datetrunc date_diff datediff date_sub datesub date_add age make_date
  make_time make_timestamp strftime strptime try_strptime to_timestamp epoch epoch_ms epoch_us epoch_ns
  last_day days_in_month time_bucket year quarter month week weekofyear yearweek day dayofmonth dayofweek
  dayofyear weekday isodow isoyear hour minute second millisecond microsecond century decade millennium
  era julian dayname monthname to_years to_quarters to_months to_weeks to_days to_hours to_minutes
  to_seconds to_milliseconds to_microseconds to_decades to_centuries to_millennia now today current_date
  get_current_timestamp get_current_time current_localtimestamp current_localtime
`);

/** COALESCE, IF, IFNULL and CASE are syntax (OPERATOR_COALESCE, CASE_EXPR); these are the function-shaped ones. */
const CONDITIONAL = words('greatest least nullif typeof');

const LISTS = words(`
  list_value list_pack array_value list_extract list_element array_extract list_slice array_slice list_concat
  list_cat array_concat array_cat list_append array_append array_push_back list_prepend array_prepend
  array_push_front array_pop_back array_pop_front list_contains list_has array_contains array_has list_has_all
  list_has_any array_has_all array_has_any list_position list_indexof array_position array_indexof list_distinct
  array_distinct list_unique array_unique list_intersect array_intersect list_sort array_sort list_reverse_sort
  array_reverse_sort list_reverse array_reverse list_transform array_transform list_apply array_apply apply
  list_filter array_filter filter list_reduce array_reduce reduce list_zip array_zip list_select array_select
  list_where array_where list_grade_up array_grade_up grade_up list_resize array_resize flatten array_length
  cardinality unnest generate_series range
`);

/** Aggregates over one list: each is list_aggr(l, '<aggregate>') underneath, and the checker holds list_aggr to
 * ALLOWED_AGGREGATES. */
const LIST_AGGREGATES = words(`
  list_aggregate list_aggr array_aggregate array_aggr aggregate list_sum list_avg list_min list_max list_count
  list_median list_mode list_string_agg list_first list_last list_any_value list_product list_stddev_samp
  list_stddev_pop list_var_samp list_var_pop list_bool_and list_bool_or list_histogram list_approx_count_distinct
  list_entropy list_kurtosis list_kurtosis_pop list_skewness list_mad list_sem
`);

const STRUCTS_AND_MAPS = words(`
  struct_pack row struct_extract struct_extract_at struct_insert struct_concat struct_keys struct_values
  map map_extract map_extract_value map_keys map_values map_entries map_from_entries map_contains
  map_concat element_at
`);

const AGGREGATE_NAMES = words(`
  count count_star count_if countif sum fsum kahan_sum sumkahan avg mean favg min max product median mode
  quantile quantile_cont quantile_disc approx_quantile reservoir_quantile mad stddev stddev_samp
  stddev_pop variance var_samp var_pop sem skewness kurtosis kurtosis_pop entropy geomean geometric_mean
  weighted_avg wavg corr covar_pop covar_samp regr_avgx regr_avgy regr_count regr_intercept regr_r2
  regr_slope regr_sxx regr_sxy regr_syy string_agg group_concat listagg list array_agg arg_min arg_max
  argmin argmax arg_min_null arg_max_null min_by max_by approx_count_distinct approx_top_k bool_and
  bool_or first last any_value arbitrary histogram histogram_exact
`);

const WINDOW = words(`
  row_number rank dense_rank rank_dense ntile percent_rank cume_dist lag lead first_value last_value
  nth_value
`);

/** Aggregate functions a query may call, and the only names list_aggregate and its aliases may be given. */
export const ALLOWED_AGGREGATES: ReadonlySet<string> = new FrozenNameSet(AGGREGATE_NAMES);

/** Every function name (lower-case) a platform query may call, operators included. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new FrozenNameSet([
  ...OPERATORS,
  ...MATH,
  ...TEXT,
  ...PATTERNS,
  ...DATES,
  ...CONDITIONAL,
  ...LISTS,
  ...LIST_AGGREGATES,
  ...STRUCTS_AND_MAPS,
  ...AGGREGATE_NAMES,
  ...WINDOW,
]);

/** Functions whose second argument names an aggregate to run by name: it must be a text literal naming an allowed one. */
export const AGGREGATE_BY_NAME_FUNCTIONS: ReadonlySet<string> = new FrozenNameSet(
  words('list_aggregate list_aggr array_aggregate array_aggr aggregate'),
);
