/**
 * Standard VAT/GST rates of the countries the platform sells to (rules.md §Orders, VAT).
 *
 * Sources (the references each rate is to be checked against):
 * - EU members: European Commission, DG TAXUD, "VAT rates applied in the Member States of the
 *   European Union" and the Taxes in Europe Database (taxation-customs.ec.europa.eu, "VAT rates").
 * - GB: HMRC; NO: Skatteetaten; IS: Skatturinn; CH and LI: ESTV/AFC "VAT rates Switzerland"
 *   (Liechtenstein applies Swiss VAT under the CH–LI VAT treaty, so its rates move with Switzerland's).
 * - AU: ATO; NZ: Inland Revenue; JP: National Tax Agency; SG: IRAS; KR: National Tax Service.
 * - CA: Canada Revenue Agency, "GST/HST rates"; Nova Scotia Finance and Treasury Board (2025 cut).
 * - Each change since 2020 against its announcement: IE (Revenue / Department of Finance, 2020–21),
 *   LU (AED circular 812-1, 2023–24), EE (Riigikogu, Defence Tax Act 2024–25), FI (Vero.fi, 2024),
 *   SK (VAT Act amendment of 3 October 2024), RO (Law 141/2025), CH/LI (ESTV, AHV 21 vote), SG (IRAS,
 *   2023–24), NS (Nova Scotia, 2025), DE (Corona-Steuerhilfegesetz, 2020).
 * Checked: 2026-11-25.
 *
 * What the table holds, and why:
 * - Only the STANDARD rate (percent), the one that applies to software and other electronically
 *   supplied services; reduced rates are out of scope.
 * - It covers dates from VAT_TABLE_STARTS_ON (2020-01-01); each country's first period starts there
 *   even when its rate is older. A date before that is outside the table.
 * - Canada: one rate per province or territory, as the CRA publishes it: the combined HST where the
 *   province has harmonized (NB, NL, NS, ON, PE), else the 5% federal GST alone. Provincial sales taxes
 *   collected separately (QST in QC, PST in BC and SK, RST in MB) are NOT part of the rate: they are a
 *   different tax with their own registration, so a partner that sends GST+PST (e.g. 12 for BC)
 *   sends a rate that differs from the table. Canada without a province is outside the table.
 * - Territories with their own ISO 3166-1 code (AX Åland, GP, MQ, RE, GF, YT (Mayotte), GI, JE, GG, IM,
 *   MC, SM, …) are not in the table, hence outside it. Regions inside a listed country whose rate is
 *   not the national one are listed in REGIONS_OUTSIDE_TABLE (any rate accepted there) rather than
 *   given a rate we have not verified.
 * - Left out because they have no single standard rate for our purpose: IN (GST slabs; software is 18%
 *   but that is a slab, not a standard rate).
 */

/** A standard rate (percent) in force from `from` (YYYY-MM-DD, inclusive) until the next period's `from`. */
export type RatePeriod = { readonly from: string; readonly rate: number };

/** Periods of one country or province, oldest first. */
export type RateHistory = readonly RatePeriod[];

/** The day the sources above were last checked. */
export const VAT_TABLE_CHECKED_ON = '2026-11-25';

/** First day the table covers: a date before it is outside the table. */
export const VAT_TABLE_STARTS_ON = '2020-01-01';

const START = VAT_TABLE_STARTS_ON;

/** A rate unchanged since before the table starts. */
const since = (rate: number): RateHistory => [{ from: START, rate }];

/** Standard rate per ISO 3166-1 alpha-2 country, for countries with one national rate. */
export const COUNTRY_RATES: Readonly<Record<string, RateHistory>> = {
  // European Union (27)
  AT: since(20),
  BE: since(21),
  BG: since(20),
  CY: since(19),
  CZ: since(21),
  // Temporary cut for the second half of 2020 (Corona-Steuerhilfegesetz).
  DE: [{ from: START, rate: 19 }, { from: '2020-07-01', rate: 16 }, { from: '2021-01-01', rate: 19 }],
  DK: since(25),
  EE: [{ from: START, rate: 20 }, { from: '2024-01-01', rate: 22 }, { from: '2025-07-01', rate: 24 }],
  ES: since(21),
  FI: [{ from: START, rate: 24 }, { from: '2024-09-01', rate: 25.5 }],
  FR: since(20),
  GR: since(24),
  HR: since(25),
  HU: since(27),
  // Temporary cut from 2020-09-01 to 2021-02-28 (July 2020 stimulus package).
  IE: [{ from: START, rate: 23 }, { from: '2020-09-01', rate: 21 }, { from: '2021-03-01', rate: 23 }],
  IT: since(22),
  LT: since(21),
  // Temporary cut for 2023 only (law of 26 October 2022).
  LU: [{ from: START, rate: 17 }, { from: '2023-01-01', rate: 16 }, { from: '2024-01-01', rate: 17 }],
  LV: since(21),
  MT: since(18),
  NL: since(21),
  PL: since(23),
  PT: since(23),
  RO: [{ from: START, rate: 19 }, { from: '2025-08-01', rate: 21 }],
  SE: since(25),
  SI: since(22),
  SK: [{ from: START, rate: 20 }, { from: '2025-01-01', rate: 23 }],

  // Rest of Europe
  GB: since(20),
  NO: since(25),
  IS: since(24),
  CH: [{ from: START, rate: 7.7 }, { from: '2024-01-01', rate: 8.1 }],
  LI: [{ from: START, rate: 7.7 }, { from: '2024-01-01', rate: 8.1 }],

  // Asia-Pacific (GST / consumption tax)
  AU: since(10),
  NZ: since(15),
  JP: since(10),
  SG: [{ from: START, rate: 7 }, { from: '2023-01-01', rate: 8 }, { from: '2024-01-01', rate: 9 }],
  KR: since(10),
};

const GST = since(5);
const HST_15 = since(15);

/**
 * Countries whose rate depends on the province (ISO 3166-2 code without the country prefix).
 * Such a country has no entry in COUNTRY_RATES.
 */
export const PROVINCE_RATES: Readonly<Record<string, Readonly<Record<string, RateHistory>>>> = {
  CA: {
    // HST provinces: combined federal 5% + provincial part.
    ON: since(13),
    NB: HST_15,
    NL: HST_15,
    PE: HST_15,
    NS: [{ from: START, rate: 15 }, { from: '2025-04-01', rate: 14 }],
    // GST only (AB, the territories) or GST with a separate provincial tax not counted here.
    AB: GST,
    BC: GST,
    MB: GST,
    QC: GST,
    SK: GST,
    NT: GST,
    NU: GST,
    YT: GST,
  },
};

/**
 * Regions (ISO 3166-2 code without the country prefix) of a listed country that have no rate in the
 * table: outside the EU VAT territory (Canary Islands, Ceuta, Melilla) or with their own lower rates
 * (Azores, Madeira). The national rate would be wrong there, so they count as outside the table.
 */
export const REGIONS_OUTSIDE_TABLE: Readonly<Record<string, readonly string[]>> = {
  ES: ['CN', 'GC', 'TF', 'CE', 'ML'],
  PT: ['20', '30'],
};
