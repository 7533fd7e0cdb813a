import type { Generated, Kysely, Transaction } from 'kysely';

/**
 * Row types of every table, as both engines return them. Portable conventions: times are ISO 8601 UTC
 * text (`*_at`, fixed width, so text order is time order), booleans are integers 0/1, lists and maps
 * are JSON text, money is integer minor units (`*_minor`) beside its currency.
 */
export type Database = {
  settings: SettingsTable;
  audit_log: AuditLogTable;
  partners: PartnersTable;
  client_secrets: ClientSecretsTable;
  iam_sessions: IamSessionsTable;
  points_of_sale: PointsOfSaleTable;
  pos_secrets: PosSecretsTable;
  pos_prices: PosPricesTable;
  publishers: PublishersTable;
  categories: CategoriesTable;
  operating_systems: OperatingSystemsTable;
  products: ProductsTable;
  product_texts: ProductTextsTable;
  product_categories: ProductCategoriesTable;
  product_operating_systems: ProductOperatingSystemsTable;
  product_prices: ProductPricesTable;
  product_files: ProductFilesTable;
  product_relations: ProductRelationsTable;
  serial_keys: SerialKeysTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  line_items: LineItemsTable;
  download_grants: DownloadGrantsTable;
  shipments: ShipmentsTable;
  ledger_entries: LedgerEntriesTable;
  outbox_events: OutboxEventsTable;
  subscriptions: SubscriptionsTable;
  subscription_terms: SubscriptionTermsTable;
  feed_formats: FeedFormatsTable;
  product_lists: ProductListsTable;
  product_list_members: ProductListMembersTable;
};

/** A Kysely handle or a transaction: service functions take it first so several domains share it. */
export type Tx = Kysely<Database> | Transaction<Database>;
export type Db = Kysely<Database>;

export type SettingsTable = { key: string; value: string };

export type AuditLogTable = {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: string;
};

export type PartnersTable = {
  id: Generated<number>;
  name: string;
  realm_name: string;
  suspended: number;
  webhook_url: string | null;
  created_at: string;
};

export type ClientSecretsTable = {
  id: Generated<number>;
  partner_id: number;
  digest: string;
  created_at: string;
  /** End of the overlap after a rotation; null while it is the current secret. */
  expires_at: string | null;
};

export type IamSessionsTable = {
  id: string;
  partner_id: number;
  client_secret_id: number;
  refresh_digest: string;
  refresh_expires_at: string;
  ended_at: string | null;
  created_at: string;
};

export type PointsOfSaleTable = {
  id: Generated<number>;
  partner_id: number;
  name: string;
  currency: string;
  /** JSON list of ISO 3166-1 codes. */
  countries: string;
  /** JSON list of language codes; the first is the master language. */
  languages: string;
  description_language: string;
  /** JSON `{publishers: number[], categories: number[], refs: number[]}`; all empty = whole catalog. */
  product_list: string;
  /** JSON list of IPs and CIDR ranges; empty = any caller. */
  ip_allow_list: string;
  cancel_window_days: number;
  vat_policy: string;
  /** Requests per second, or null when off. */
  rate_limit: number | null;
  suspended: number;
  created_at: string;
  /** When what the POS sells last changed (currency, product list, price overrides); null = created_at. */
  catalog_changed_at: string | null;
};

export type PosSecretsTable = {
  id: Generated<number>;
  pos_id: number;
  digest: string;
  created_at: string;
  expires_at: string | null;
};

export type PosPricesTable = {
  pos_id: number;
  product_ref: number;
  sale_minor: number;
};

export type PublishersTable = {
  id: number;
  name: string;
  must_propose_dvd: number;
};

export type CategoriesTable = {
  id: number;
  parent_id: number | null;
  /** JSON map language → label. */
  labels: string;
  position: number;
};

export type OperatingSystemsTable = { id: number; label: string };

export type ProductsTable = {
  ref: number;
  publisher_id: number;
  type: number;
  status: string;
  release_date: string | null;
  version: string | null;
  number_of_users: number | null;
  license_lifetime: string | null;
  ean: string | null;
  drm: string | null;
  keywords: string | null;
  flag_new: number;
  flag_top: number;
  flag_promo: number;
  image_small: string | null;
  image_medium: string | null;
  image_big: string | null;
  /** JSON list of URLs. */
  screenshots: string;
  memory_mb: number | null;
  disk_mb: number | null;
  serials_per_unit: number;
  serial_source: string;
  serial_pattern: string | null;
  low_stock_threshold: number;
  remark: string | null;
  digital_locker_link: string | null;
  download_manager: number;
  new_serial_each_term: number;
  subscription_period: string | null;
  option_kind: string | null;
  option_duration: string | null;
  created_at: string;
  updated_at: string;
};

export type ProductTextsTable = {
  product_ref: number;
  language: string;
  name: string | null;
  short_description: string | null;
  long_description: string | null;
};

export type ProductCategoriesTable = { product_ref: number; category_id: number; position: number };
export type ProductOperatingSystemsTable = { product_ref: number; os_id: number; position: number };

export type ProductPricesTable = {
  product_ref: number;
  currency: string;
  retailer_minor: number;
  public_minor: number;
  sale_minor: number;
  renewal_minor: number | null;
};

export type ProductFilesTable = {
  id: Generated<number>;
  product_ref: number;
  position: number;
  label: string;
  type: string;
  file_group: string;
  /** Path inside the file store, for files served by this server. */
  store_path: string | null;
  /** Origin URL the download link redirects to. */
  origin_url: string | null;
  size_bytes: number;
  sha256: string | null;
};

export type ProductRelationsTable = {
  product_ref: number;
  related_ref: number;
  /** `option`, `cross` or `up`. */
  kind: string;
  position: number;
};

export type SerialKeysTable = {
  id: Generated<number>;
  product_ref: number;
  /** Keyed digest of the trimmed key: uniqueness per product without storing it in clear. */
  digest: string;
  /** AES-256-GCM of the key. */
  sealed: string;
  imported_at: string;
  /** Set once, when the key is assigned to a line item; never cleared. */
  assigned_at: string | null;
  line_item_id: number | null;
};

export type OrdersTable = {
  order_number: Generated<number>;
  partner_id: number;
  pos_id: number;
  partner_order_number: string;
  /** `order`, or `renewal` for the order of a subscription's new term. */
  kind: string;
  /** The partner's own date of the sale, as sent. */
  order_date: string;
  received_at: string;
  currency: string;
  marketing_program_id: string | null;
  affiliate_id: number | null;
  /** JSON: email, language, partnerId, IPs, invoice and delivery locations. */
  customer: string;
  payment: string | null;
  discounts: string;
  metadata: string;
  /** Last day (UTC, `YYYY-MM-DD`) download links work, to 23:59:59 UTC. */
  download_ends_on: string;
  /** `active` or `cancelled`. */
  status: string;
  cancelled_at: string | null;
  cancel_reason: number | null;
  cancel_comment: string | null;
};

export type OrderLinesTable = {
  id: Generated<number>;
  order_number: number;
  position: number;
  product_ref: number;
  quantity: number;
  /** Percent as sent (decimal text), or null. */
  vat_rate: string | null;
  /** What the end user paid for the line, excl. VAT (the POS sale price × quantity when not sent). */
  amount_duty_free_minor: number;
  amount_total_minor: number | null;
  /** 1 when the partner sent the amounts, 0 when they were derived from the sale price. */
  amounts_sent: number;
  end_user_email: string | null;
  discounts: string;
  /** What the partner owes per unit: the retailer price at the time of the order. */
  retailer_unit_minor: number;
  /** JSON list of VAT report flags under the `record` policy (`rate`, `amounts`). */
  vat_flags: string;
};

export type LineItemsTable = {
  id: Generated<number>;
  order_line_id: number;
  position: number;
  /** The subscription this unit started or renewed, for subscription products. */
  subscription_id: number | null;
  /** A renewal that keeps the serial: the unit whose serials it shows. */
  serials_of_line_item_id: number | null;
};

export type DownloadGrantsTable = {
  id: Generated<number>;
  order_number: number;
  order_line_id: number;
  product_file_id: number;
  first_download_at: string | null;
  last_download_at: string | null;
  start_count: number;
  complete_count: number;
};

export type ShipmentsTable = {
  id: Generated<number>;
  order_number: number;
  order_line_id: number;
  product_ref: number;
  quantity: number;
  /** JSON delivery location. */
  address: string;
  /** `to_ship`, `shipped` or `cancelled`. */
  status: string;
  tracking_number: string | null;
  created_at: string;
  shipped_at: string | null;
};

export type LedgerEntriesTable = {
  id: Generated<number>;
  partner_id: number;
  pos_id: number;
  order_number: number;
  /** `order`, `renewal` or `credit_note`. */
  kind: string;
  currency: string;
  /** What the partner owes (negative for a credit note). */
  retailer_minor: number;
  /** What the end user paid (negative for a credit note). */
  end_user_minor: number;
  at: string;
};

export type OutboxEventsTable = {
  id: Generated<number>;
  event_id: string;
  partner_id: number | null;
  type: string;
  payload: string;
  created_at: string;
};

export type SubscriptionsTable = {
  subscription_id: Generated<number>;
  partner_id: number;
  pos_id: number;
  /** The original order and its unit. */
  order_number: number;
  partner_order_number: string;
  line_item_id: number;
  product_ref: number;
  currency: string;
  /** ISO 8601 duration of a term. */
  period: string;
  /** When the first term started (the original order was received): every expiration is anchor + n periods. */
  anchor_at: string;
  generation: number;
  /** ACTIVE, CANCELLED, EXPIRED, TERMINATED or RENEWAL_FAILED. */
  status: string;
  expiration_at: string;
  current_order_number: number;
  current_partner_order_number: string;
  /** End of the grace period after a failed renewal. */
  grace_ends_at: string | null;
  /** When the worker tries a failed renewal again. */
  next_attempt_at: string | null;
  /** Until when a renewal worker holds it to work on (leaseDueSubscriptions); other workers pass it by. */
  worker_lease_until: string | null;
  created_at: string;
  updated_at: string;
};

export type SubscriptionTermsTable = {
  subscription_id: number;
  generation: number;
  order_number: number;
  created_at: string;
};

export type FeedFormatsTable = {
  id: Generated<number>;
  partner_id: number;
  name: string;
  version: string;
  /** `csv` or `xml`. */
  output: string;
  excel: number;
  /** `utf-8` or `iso-8859-1`. */
  charset: string;
  separator: string;
  delimiter: string;
  /** `crlf` or `lf`. */
  eol: string;
  /** JSON list of CSV column names, in order. */
  columns: string;
  created_at: string;
  updated_at: string;
};

export type ProductListsTable = {
  id: Generated<number>;
  partner_id: number;
  pos_id: number;
  name: string;
  /** `full`, `top` or `new`. */
  kind: string;
  max_products: number | null;
  /** A language code, or `ALL`. */
  language: string;
  description_language: string;
  /** JSON lists of ids; empty = no filter. */
  categories: string;
  publishers: string;
  refs: string;
  name_filter: string | null;
  /** Start of the last fetch that was sent to its last byte (`diff=last`). */
  last_complete_fetch_at: string | null;
  created_at: string;
  updated_at: string;
};

export type ProductListMembersTable = {
  list_id: number;
  product_ref: number;
  added_at: string;
  removed_at: string | null;
};
