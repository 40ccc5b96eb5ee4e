// NANP area code → IANA time zone(s) for the United States (50 states, DC and the territories
// Puerto Rico, U.S. Virgin Islands, Guam, Northern Mariana Islands, American Samoa).
//
// Source: NANPA's NPA database (nationalnanpa.com/nanp1/npa_report.csv, "File Date 11/26/2025"),
// every row with USE=G (geographic), ASSIGNED=Yes and COUNTRY=US, including the few codes that are
// assigned but not yet in service (marked). NANPA's TIME_ZONE column gives the zone letters
// (E/C/M/P, AK, UTC-10, A, UTC+10, UTC-11, and pairs such as EC/CM/MP for codes spanning two zones).
// The split codes were cross-checked against an independent, older public area-code list that names
// the zones per code (it agrees on every split code it has; it lacks 448/729/986 and gives 775 as
// Pacific only), and the Arizona/Aleutian additions against the tz database's zone.tab comments
// ("MST - AZ (except Navajo)", "Alaska - western Aleutians").
//
// Shape: [primary, ...others]. The primary zone covers most of the area code's population; for
// an area code that spans several zones every zone is listed, so calling hours can be checked in
// all of them. Deviations from NANPA's column, all in the strict direction, are commented inline:
// overlays take the zones of the area they overlay (986 = 208, 930 = 812), 907 adds the western
// Aleutians (America/Adak), 928 adds the Navajo Nation (which observes DST, America/Denver).
//
// Zone names are the representative zone for each rule set (e.g. America/New_York also stands for
// America/Detroit, America/Indiana/Indianapolis, America/Kentucky/Louisville; America/Denver for
// America/Boise), which give the same local time today.
//
// Not here on purpose: non-geographic codes (toll-free 8XX, 900, 5XX personal communications, 700,
// 710 US government, N11...), Canadian and Caribbean codes (see NON_US_NANP_AREA_CODES below).

const ET = "America/New_York"; // Eastern
const CT = "America/Chicago"; // Central
const MT = "America/Denver"; // Mountain (with DST)
const MST_AZ = "America/Phoenix"; // Mountain, no DST (Arizona)
const PT = "America/Los_Angeles"; // Pacific
const AKT = "America/Anchorage"; // Alaska
const HAST = "America/Adak"; // Hawaii-Aleutian with DST (western Aleutians)
const HST = "Pacific/Honolulu"; // Hawaii, no DST
const AST_PR = "America/Puerto_Rico"; // Atlantic, no DST
const AST_VI = "America/St_Thomas"; // Atlantic, no DST
const CHST_GU = "Pacific/Guam"; // Chamorro, UTC+10
const CHST_MP = "Pacific/Saipan"; // Chamorro, UTC+10
const SST = "Pacific/Pago_Pago"; // Samoa, UTC-11

export const US_AREA_CODE_TIME_ZONES: Readonly<Record<string, readonly [primary: string, ...others: string[]]>> = {
  // Alabama (AL)
  "205": [CT],
  "251": [CT],
  "256": [CT],
  "334": [CT],
  "483": [CT], // assigned, in service 2026-02-23
  "659": [CT],
  "938": [CT],
  // Alaska (AK)
  "907": [AKT, HAST], // Alaska; the western Aleutians (Adak) keep Hawaii-Aleutian time (tz zone.tab: America/Adak)
  // Arizona (AZ)
  "480": [MST_AZ],
  "520": [MST_AZ],
  "602": [MST_AZ],
  "623": [MST_AZ],
  "928": [MST_AZ, MT], // northern/western Arizona; the Navajo Nation observes DST (tz zone.tab: America/Phoenix is "AZ (except Navajo)")
  // Arkansas (AR)
  "327": [CT],
  "479": [CT],
  "501": [CT],
  "870": [CT],
  // California (CA)
  "209": [PT],
  "213": [PT],
  "279": [PT],
  "310": [PT],
  "323": [PT],
  "341": [PT],
  "350": [PT],
  "357": [PT],
  "369": [PT],
  "408": [PT],
  "415": [PT],
  "424": [PT],
  "442": [PT],
  "510": [PT],
  "530": [PT],
  "559": [PT],
  "562": [PT],
  "619": [PT],
  "626": [PT],
  "628": [PT],
  "650": [PT],
  "657": [PT],
  "661": [PT],
  "669": [PT],
  "707": [PT],
  "714": [PT],
  "738": [PT],
  "747": [PT],
  "760": [PT],
  "805": [PT],
  "818": [PT],
  "820": [PT],
  "831": [PT],
  "837": [PT],
  "840": [PT],
  "858": [PT],
  "909": [PT],
  "916": [PT],
  "925": [PT],
  "949": [PT],
  "951": [PT],
  // Colorado (CO)
  "303": [MT],
  "719": [MT],
  "720": [MT],
  "748": [MT],
  "970": [MT],
  "983": [MT],
  // Connecticut (CT)
  "203": [ET],
  "475": [ET],
  "860": [ET],
  "959": [ET],
  // Delaware (DE)
  "302": [ET],
  // District of Columbia (DC)
  "202": [ET],
  "771": [ET],
  // Florida (FL)
  "239": [ET],
  "305": [ET],
  "321": [ET],
  "324": [ET],
  "352": [ET],
  "386": [ET],
  "407": [ET],
  "448": [CT, ET], // overlay of 850
  "561": [ET],
  "645": [ET],
  "656": [ET],
  "689": [ET],
  "727": [ET],
  "728": [ET],
  "754": [ET],
  "772": [ET],
  "786": [ET],
  "813": [ET],
  "850": [CT, ET], // Florida panhandle: Pensacola/Panama City Central; Tallahassee Eastern
  "863": [ET],
  "904": [ET],
  "941": [ET],
  "954": [ET],
  // Georgia (GA)
  "229": [ET],
  "404": [ET],
  "470": [ET],
  "478": [ET],
  "565": [ET], // assigned, not yet in service
  "678": [ET],
  "706": [ET],
  "762": [ET],
  "770": [ET],
  "912": [ET],
  "943": [ET],
  // Hawaii (HI)
  "808": [HST],
  // Idaho (ID)
  "208": [MT, PT], // Idaho: south (Boise) Mountain; panhandle Pacific
  "986": [MT, PT], // overlay of 208 (NANPA lists only P; the overlay covers all of Idaho)
  // Illinois (IL)
  "217": [CT],
  "224": [CT],
  "309": [CT],
  "312": [CT],
  "331": [CT],
  "447": [CT],
  "464": [CT],
  "618": [CT],
  "630": [CT],
  "708": [CT],
  "730": [CT],
  "773": [CT],
  "779": [CT],
  "815": [CT],
  "847": [CT],
  "861": [CT],
  "872": [CT],
  // Indiana (IN)
  "219": [CT, ET], // NW Indiana: Lake/Porter/LaPorte Central; Pulaski Eastern
  "260": [ET],
  "317": [ET],
  "463": [ET],
  "574": [ET, CT], // north-central Indiana: South Bend/Elkhart Eastern; Starke County Central
  "765": [ET],
  "812": [ET, CT], // southern Indiana: Bloomington/Terre Haute Eastern; Evansville area Central
  "930": [ET, CT], // overlay of 812 (NANPA lists only E; the overlay covers the same counties)
  // Iowa (IA)
  "319": [CT],
  "515": [CT],
  "563": [CT],
  "641": [CT],
  "712": [CT],
  // Kansas (KS)
  "316": [CT],
  "620": [CT, MT], // southern Kansas: mostly Central; Hamilton County Mountain
  "785": [CT, MT], // northern Kansas: Topeka/Lawrence Central; Sherman/Wallace/Greeley Mountain
  "913": [CT],
  // Kentucky (KY)
  "270": [CT, ET], // western Kentucky: Bowling Green/Owensboro/Paducah Central; Elizabethtown Eastern
  "364": [CT, ET], // overlay of 270
  "502": [ET],
  "606": [ET, CT], // eastern Kentucky: mostly Eastern; south-central counties Central
  "761": [ET], // assigned, not yet in service
  "859": [ET],
  // Louisiana (LA)
  "225": [CT],
  "318": [CT],
  "337": [CT],
  "457": [CT],
  "504": [CT],
  "985": [CT],
  // Maine (ME)
  "207": [ET],
  // Maryland (MD)
  "227": [ET],
  "240": [ET],
  "301": [ET],
  "410": [ET],
  "443": [ET],
  "667": [ET],
  // Massachusetts (MA)
  "339": [ET],
  "351": [ET],
  "413": [ET],
  "508": [ET],
  "617": [ET],
  "774": [ET],
  "781": [ET],
  "857": [ET],
  "978": [ET],
  // Michigan (MI)
  "231": [ET],
  "248": [ET],
  "269": [ET],
  "313": [ET],
  "517": [ET],
  "586": [ET],
  "616": [ET],
  "679": [ET],
  "734": [ET],
  "810": [ET],
  "906": [ET, CT], // Upper Peninsula: mostly Eastern; four counties on the Wisconsin border Central
  "947": [ET],
  "989": [ET],
  // Minnesota (MN)
  "218": [CT],
  "320": [CT],
  "507": [CT],
  "612": [CT],
  "651": [CT],
  "763": [CT],
  "924": [CT],
  "952": [CT],
  // Mississippi (MS)
  "228": [CT],
  "471": [CT], // assigned, in service 2026-01-30
  "601": [CT],
  "662": [CT],
  "769": [CT],
  // Missouri (MO)
  "235": [CT],
  "314": [CT],
  "417": [CT],
  "557": [CT],
  "573": [CT],
  "636": [CT],
  "660": [CT],
  "816": [CT],
  "975": [CT],
  // Montana (MT)
  "406": [MT],
  // Nebraska (NE)
  "308": [CT, MT], // Nebraska: Grand Island/Kearney Central; panhandle Mountain
  "402": [CT],
  "531": [CT],
  // Nevada (NV)
  "702": [PT],
  "725": [PT],
  "775": [PT, MT], // Nevada outside Las Vegas: Pacific; West Wendover Mountain (NANPA note)
  // New Hampshire (NH)
  "603": [ET],
  // New Jersey (NJ)
  "201": [ET],
  "551": [ET],
  "609": [ET],
  "640": [ET],
  "732": [ET],
  "848": [ET],
  "856": [ET],
  "862": [ET],
  "908": [ET],
  "973": [ET],
  // New Mexico (NM)
  "505": [MT],
  "575": [MT],
  // New York (NY)
  "212": [ET],
  "315": [ET],
  "329": [ET],
  "332": [ET],
  "347": [ET],
  "363": [ET],
  "465": [ET], // assigned, in service 2026-06-18
  "516": [ET],
  "518": [ET],
  "585": [ET],
  "607": [ET],
  "624": [ET],
  "631": [ET],
  "646": [ET],
  "680": [ET],
  "716": [ET],
  "718": [ET],
  "838": [ET],
  "845": [ET],
  "914": [ET],
  "917": [ET],
  "929": [ET],
  "934": [ET],
  // North Carolina (NC)
  "252": [ET],
  "336": [ET],
  "472": [ET],
  "704": [ET],
  "743": [ET],
  "828": [ET],
  "910": [ET],
  "919": [ET],
  "980": [ET],
  "984": [ET],
  // North Dakota (ND)
  "701": [CT, MT], // North Dakota: Fargo/Bismarck Central; southwest Mountain
  // Ohio (OH)
  "216": [ET],
  "220": [ET],
  "234": [ET],
  "283": [ET],
  "326": [ET],
  "330": [ET],
  "380": [ET],
  "419": [ET],
  "436": [ET],
  "440": [ET],
  "513": [ET],
  "567": [ET],
  "614": [ET],
  "740": [ET],
  "937": [ET],
  // Oklahoma (OK)
  "405": [CT],
  "539": [CT],
  "572": [CT],
  "580": [CT],
  "918": [CT],
  // Oregon (OR)
  "458": [PT, MT], // overlay of 541
  "503": [PT],
  "541": [PT, MT], // Oregon: Eugene/Bend/Medford Pacific; Malheur County Mountain
  "971": [PT],
  // Pennsylvania (PA)
  "215": [ET],
  "223": [ET],
  "267": [ET],
  "272": [ET],
  "412": [ET],
  "445": [ET],
  "484": [ET],
  "570": [ET],
  "582": [ET],
  "610": [ET],
  "717": [ET],
  "724": [ET],
  "814": [ET],
  "835": [ET],
  "878": [ET],
  // Rhode Island (RI)
  "401": [ET],
  // South Carolina (SC)
  "803": [ET],
  "821": [ET],
  "839": [ET],
  "843": [ET],
  "854": [ET],
  "864": [ET],
  // South Dakota (SD)
  "605": [CT, MT], // South Dakota: Sioux Falls Central; Rapid City Mountain
  // Tennessee (TN)
  "423": [ET, CT], // East Tennessee: Chattanooga/Tri-Cities Eastern; a few Central counties
  "615": [CT],
  "629": [CT],
  "729": [ET, CT], // overlay of 423
  "731": [CT],
  "865": [ET],
  "901": [CT],
  "931": [CT, ET], // Middle Tennessee: Clarksville/Columbia Central; Cumberland County Eastern
  // Texas (TX)
  "210": [CT],
  "214": [CT],
  "254": [CT],
  "281": [CT],
  "325": [CT],
  "346": [CT],
  "361": [CT],
  "409": [CT],
  "430": [CT],
  "432": [CT],
  "469": [CT],
  "512": [CT],
  "621": [CT],
  "682": [CT],
  "713": [CT],
  "726": [CT],
  "737": [CT],
  "806": [CT],
  "817": [CT],
  "830": [CT],
  "832": [CT],
  "903": [CT],
  "915": [MT, CT], // El Paso/Hudspeth Mountain; rest Central
  "936": [CT],
  "940": [CT],
  "945": [CT],
  "956": [CT],
  "972": [CT],
  "979": [CT],
  // Utah (UT)
  "385": [MT],
  "435": [MT],
  "801": [MT],
  // Vermont (VT)
  "802": [ET],
  // Virginia (VA)
  "276": [ET],
  "434": [ET],
  "540": [ET],
  "571": [ET],
  "686": [ET],
  "703": [ET],
  "757": [ET],
  "804": [ET],
  "826": [ET],
  "948": [ET],
  // Washington (WA)
  "206": [PT],
  "253": [PT],
  "360": [PT],
  "425": [PT],
  "509": [PT],
  "564": [PT],
  // West Virginia (WV)
  "304": [ET],
  "681": [ET],
  // Wisconsin (WI)
  "262": [CT],
  "274": [CT],
  "353": [CT],
  "414": [CT],
  "534": [CT],
  "608": [CT],
  "715": [CT],
  "920": [CT],
  // Wyoming (WY)
  "307": [MT],
  // Puerto Rico (PR)
  "787": [AST_PR],
  "939": [AST_PR],
  // U.S. Virgin Islands (VI)
  "340": [AST_VI],
  // Guam (GU)
  "671": [CHST_GU],
  // Northern Mariana Islands (MP)
  "670": [CHST_MP],
  // American Samoa (AS)
  "684": [SST],
};

// Geographic NANP area codes outside the United States (same NANPA file: COUNTRY is Canada or a
// Caribbean / Atlantic country), mapped to the ISO 3166-1 country code. The calling-hours check
// treats them as non-US callees; any +1 area code in neither table is unknown (fail closed).
export const NON_US_NANP_AREA_CODES: Readonly<Record<string, string>> = {
  // Canada
  "204": "CA", "226": "CA", "236": "CA", "249": "CA", "250": "CA", "257": "CA", "263": "CA", "273": "CA",
  "289": "CA", "306": "CA", "343": "CA", "354": "CA", "365": "CA", "367": "CA", "368": "CA", "382": "CA",
  "403": "CA", "416": "CA", "418": "CA", "428": "CA", "431": "CA", "437": "CA", "438": "CA", "450": "CA",
  "468": "CA", "474": "CA", "506": "CA", "514": "CA", "519": "CA", "548": "CA", "579": "CA", "581": "CA",
  "584": "CA", "587": "CA", "604": "CA", "613": "CA", "639": "CA", "647": "CA", "672": "CA", "683": "CA",
  "705": "CA", "709": "CA", "742": "CA", "753": "CA", "778": "CA", "780": "CA", "782": "CA", "807": "CA",
  "819": "CA", "825": "CA", "867": "CA", "873": "CA", "879": "CA", "902": "CA", "905": "CA", "942": "CA",
  // Caribbean and Atlantic
  "242": "BS", // Bahamas
  "246": "BB", // Barbados
  "264": "AI", // Anguilla
  "268": "AG", // Antigua and Barbuda
  "284": "VG", // British Virgin Islands
  "345": "KY", // Cayman Islands
  "441": "BM", // Bermuda
  "473": "GD", // Grenada
  "649": "TC", // Turks and Caicos Islands
  "658": "JM", // Jamaica
  "664": "MS", // Montserrat
  "721": "SX", // Sint Maarten
  "758": "LC", // Saint Lucia
  "767": "DM", // Dominica
  "784": "VC", // Saint Vincent and the Grenadines
  "809": "DO", // Dominican Republic
  "829": "DO",
  "849": "DO",
  "868": "TT", // Trinidad and Tobago
  "869": "KN", // Saint Kitts and Nevis
  "876": "JM",
};
