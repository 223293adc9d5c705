//! Reference tables for the demo world: where people live and how their
//! names, phones, postcodes and networks look there.
//!
//! Name pools are grouped by origin only so that the evaluator can measure
//! fairness (false positives by name origin); the detectors never see the
//! origin. IP prefixes are real allocations of the named country's big
//! access networks, so country lookups on demo data give sensible answers.

#[derive(Debug)]
pub struct Country {
    pub code: &'static str,
    pub tz: &'static str,
    pub cities: &'static [(&'static str, &'static str)],
    pub streets: &'static [&'static str],
    /// A national mobile number pattern: `#` is a random digit.
    pub phone: &'static str,
    /// Postcode pattern: `#` digit, `A` letter.
    pub postcode: &'static str,
    /// Residential /16 prefixes (first two octets).
    pub ip16: &'static [(u8, u8)],
    /// Okta's country name.
    pub name: &'static str,
}

pub const COUNTRIES: &[Country] = &[
    Country {
        code: "GB",
        tz: "Europe/London",
        cities: &[
            ("London", "England"),
            ("Leeds", "England"),
            ("Manchester", "England"),
            ("Croydon", "England"),
            ("Bristol", "England"),
        ],
        streets: &[
            "High Street",
            "Elm Court",
            "Station Road",
            "Church Lane",
            "Victoria Road",
            "Park Avenue",
            "Mill Lane",
        ],
        phone: "07### ######",
        postcode: "A## #AA",
        ip16: &[(86, 130), (81, 98), (86, 150), (92, 28)],
        name: "United Kingdom",
    },
    Country {
        code: "US",
        tz: "America/New_York",
        cities: &[
            ("New York", "NY"),
            ("Newark", "NJ"),
            ("Philadelphia", "PA"),
            ("Boston", "MA"),
        ],
        streets: &[
            "Main Street",
            "Oak Avenue",
            "Maple Drive",
            "Washington Street",
            "Lake Road",
        ],
        phone: "(212) ###-####",
        postcode: "#####",
        ip16: &[(73, 12), (24, 90), (68, 44), (98, 116)],
        name: "United States",
    },
    Country {
        code: "US",
        tz: "America/Chicago",
        cities: &[("Austin", "TX"), ("Dallas", "TX"), ("Chicago", "IL")],
        streets: &["Cedar Lane", "Elm Street", "Pecan Drive", "Ridge Road"],
        phone: "(512) ###-####",
        postcode: "7####",
        ip16: &[(70, 112), (99, 40)],
        name: "United States",
    },
    Country {
        code: "DE",
        tz: "Europe/Berlin",
        cities: &[
            ("Berlin", ""),
            ("Munich", ""),
            ("Hamburg", ""),
            ("Cologne", ""),
        ],
        streets: &[
            "Hauptstraße",
            "Bahnhofstraße",
            "Gartenweg",
            "Schillerstraße",
            "Lindenallee",
        ],
        phone: "0151 ########",
        postcode: "#####",
        ip16: &[(79, 200), (84, 150), (91, 64)],
        name: "Germany",
    },
    Country {
        code: "PT",
        tz: "Europe/Lisbon",
        cities: &[("Lisbon", ""), ("Porto", ""), ("Braga", "")],
        streets: &[
            "Rua Augusta",
            "Avenida da Liberdade",
            "Rua de Santa Catarina",
            "Rua do Ouro",
        ],
        phone: "91# ### ###",
        postcode: "####-###",
        ip16: &[(85, 242), (89, 180)],
        name: "Portugal",
    },
    Country {
        code: "FR",
        tz: "Europe/Paris",
        cities: &[("Lyon", ""), ("Paris", ""), ("Toulouse", "")],
        streets: &[
            "rue Garibaldi",
            "avenue Jean Jaurès",
            "rue de la République",
            "boulevard Voltaire",
        ],
        phone: "06 ## ## ## ##",
        postcode: "69###",
        ip16: &[(90, 12), (86, 240)],
        name: "France",
    },
    Country {
        code: "ES",
        tz: "Europe/Madrid",
        cities: &[("Madrid", ""), ("Valencia", ""), ("Seville", "")],
        streets: &["Calle Mayor", "Gran Vía", "Calle de Alcalá"],
        phone: "6## ### ###",
        postcode: "28###",
        ip16: &[(83, 40), (88, 12)],
        name: "Spain",
    },
    Country {
        code: "PL",
        tz: "Europe/Warsaw",
        cities: &[("Warsaw", ""), ("Kraków", ""), ("Wrocław", "")],
        streets: &["ulica Marszałkowska", "ulica Długa", "ulica Polna"],
        phone: "5## ### ###",
        postcode: "##-###",
        ip16: &[(83, 20), (89, 64)],
        name: "Poland",
    },
    Country {
        code: "NL",
        tz: "Europe/Amsterdam",
        cities: &[("Amsterdam", ""), ("Utrecht", ""), ("Rotterdam", "")],
        streets: &["Keizersgracht", "Damstraat", "Kerkstraat"],
        phone: "06 ########",
        postcode: "#### AA",
        ip16: &[(84, 26), (77, 60)],
        name: "Netherlands",
    },
    Country {
        code: "IN",
        tz: "Asia/Kolkata",
        cities: &[
            ("Bengaluru", "Karnataka"),
            ("Pune", "Maharashtra"),
            ("Hyderabad", "Telangana"),
        ],
        streets: &["MG Road", "Residency Road", "Brigade Road"],
        phone: "98### #####",
        postcode: "560###",
        ip16: &[(49, 36), (106, 51)],
        name: "India",
    },
    Country {
        code: "KR",
        tz: "Asia/Seoul",
        cities: &[("Seoul", ""), ("Busan", ""), ("Seongnam", "")],
        streets: &["Teheran-ro", "Gangnam-daero", "Sejong-daero"],
        phone: "010-####-####",
        postcode: "06###",
        ip16: &[(175, 223), (211, 36)],
        name: "South Korea",
    },
    Country {
        code: "CN",
        tz: "Asia/Shanghai",
        cities: &[("Shanghai", ""), ("Shenzhen", ""), ("Hangzhou", "")],
        streets: &["Nanjing Road", "Huaihai Road", "Century Avenue"],
        phone: "139 #### ####",
        postcode: "200###",
        ip16: &[(116, 224), (180, 160)],
        name: "China",
    },
    Country {
        code: "JP",
        tz: "Asia/Tokyo",
        cities: &[("Tokyo", ""), ("Osaka", "")],
        streets: &["Chuo-dori", "Omotesando"],
        phone: "090-####-####",
        postcode: "1##-####",
        ip16: &[(126, 100), (153, 200)],
        name: "Japan",
    },
    Country {
        code: "NG",
        tz: "Africa/Lagos",
        cities: &[("Lagos", ""), ("Abuja", "")],
        streets: &["Allen Avenue", "Admiralty Way"],
        phone: "0803 ### ####",
        postcode: "1#####",
        ip16: &[(105, 112), (102, 89)],
        name: "Nigeria",
    },
    Country {
        code: "BR",
        tz: "America/Sao_Paulo",
        cities: &[("São Paulo", ""), ("Curitiba", "")],
        streets: &["Avenida Paulista", "Rua Augusta"],
        phone: "(11) 9####-####",
        postcode: "01###-###",
        ip16: &[(177, 30), (189, 100)],
        name: "Brazil",
    },
    Country {
        code: "UA",
        tz: "Europe/Kyiv",
        cities: &[("Kyiv", ""), ("Lviv", "")],
        streets: &["Khreshchatyk Street", "Shevchenko Avenue"],
        phone: "067 ### ####",
        postcode: "0####",
        ip16: &[(178, 150), (46, 211)],
        name: "Ukraine",
    },
    Country {
        code: "CA",
        tz: "America/Toronto",
        cities: &[("Toronto", "ON"), ("Ottawa", "ON")],
        streets: &["Queen Street", "King Street", "Yonge Street"],
        phone: "(416) ###-####",
        postcode: "M#A #A#",
        ip16: &[(70, 26), (174, 112)],
        name: "Canada",
    },
];

pub fn country(code: &str) -> &'static Country {
    COUNTRIES
        .iter()
        .find(|c| c.code == code)
        .expect("known country")
}

#[derive(Debug)]
pub struct Origin {
    pub label: &'static str,
    pub given: &'static [&'static str],
    pub family: &'static [&'static str],
    /// Where people of this origin in the demo live, with weights.
    pub homes: &'static [(&'static str, u32)],
}

pub const ORIGINS: &[Origin] = &[
    Origin {
        label: "english",
        given: &[
            "James",
            "Oliver",
            "Emily",
            "Sophie",
            "Daniel",
            "Jack",
            "Charlotte",
            "Thomas",
            "Amelia",
            "Michael",
            "Sarah",
            "David",
            "Emma",
            "Ryan",
            "Laura",
            "Chris",
            "Hannah",
            "Matthew",
            "Jessica",
            "Andrew",
        ],
        family: &[
            "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
            "Walker", "Wright", "Thompson", "Evans", "Roberts", "Green", "Hall", "Wood", "Clarke",
            "Miller", "Anderson", "Moore",
        ],
        homes: &[("GB", 5), ("US", 5), ("CA", 1)],
    },
    Origin {
        label: "german",
        given: &[
            "Lukas",
            "Leon",
            "Anna",
            "Lena",
            "Felix",
            "Jonas",
            "Marie",
            "Paul",
            "Sophia",
            "Maximilian",
            "Laura",
            "Tim",
            "Julia",
            "Jan",
            "Katharina",
        ],
        family: &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Meyer",
            "Wagner",
            "Becker",
            "Schulz",
            "Hoffmann",
            "Koch",
            "Richter",
            "Klein",
            "Wolf",
            "Neumann",
        ],
        homes: &[("DE", 8), ("NL", 1), ("GB", 1)],
    },
    Origin {
        label: "portuguese",
        given: &[
            "João", "Pedro", "Ana", "Beatriz", "Tiago", "Rui", "Inês", "Miguel", "Mariana",
            "Diogo", "Lucas", "Gabriel", "Camila",
        ],
        family: &[
            "Silva",
            "Santos",
            "Ferreira",
            "Pereira",
            "Oliveira",
            "Costa",
            "Rodrigues",
            "Martins",
            "Sousa",
            "Fernandes",
            "Gonçalves",
            "Almeida",
        ],
        homes: &[("PT", 5), ("BR", 4), ("GB", 1)],
    },
    Origin {
        label: "french",
        given: &[
            "Lucas", "Hugo", "Léa", "Chloé", "Louis", "Camille", "Manon", "Nathan", "Julien",
            "Claire", "Antoine",
        ],
        family: &[
            "Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Lefebvre",
            "Leroy", "Roux", "Girard",
        ],
        homes: &[("FR", 8), ("GB", 1), ("CA", 1)],
    },
    Origin {
        label: "spanish",
        given: &[
            "Alejandro",
            "Lucía",
            "Pablo",
            "Sofía",
            "Javier",
            "Carmen",
            "Diego",
            "Elena",
            "Mario",
            "Paula",
        ],
        family: &[
            "García",
            "Fernández",
            "González",
            "Rodríguez",
            "López",
            "Martínez",
            "Sánchez",
            "Pérez",
            "Gómez",
            "Ruiz",
        ],
        homes: &[("ES", 8), ("US", 2)],
    },
    Origin {
        label: "polish",
        given: &[
            "Jakub",
            "Kacper",
            "Zuzanna",
            "Julia",
            "Piotr",
            "Katarzyna",
            "Tomasz",
            "Agnieszka",
            "Michał",
            "Magdalena",
        ],
        family: &[
            "Nowak",
            "Kowalski",
            "Wiśniewski",
            "Wójcik",
            "Kowalczyk",
            "Kamiński",
            "Lewandowski",
            "Zieliński",
            "Szymański",
            "Woźniak",
        ],
        homes: &[("PL", 7), ("GB", 2), ("DE", 1)],
    },
    Origin {
        label: "dutch",
        given: &[
            "Daan", "Sem", "Emma", "Tess", "Lars", "Sanne", "Bram", "Fleur",
        ],
        family: &[
            "de Jong",
            "Jansen",
            "de Vries",
            "van den Berg",
            "van Dijk",
            "Bakker",
            "Visser",
            "Smit",
        ],
        homes: &[("NL", 9), ("DE", 1)],
    },
    Origin {
        label: "indian",
        given: &[
            "Aarav", "Vivaan", "Ananya", "Diya", "Rohan", "Priya", "Arjun", "Kavya", "Rahul",
            "Sneha", "Vikram", "Neha",
        ],
        family: &[
            "Sharma", "Patel", "Reddy", "Iyer", "Nair", "Gupta", "Singh", "Kumar", "Rao", "Mehta",
            "Joshi", "Menon",
        ],
        homes: &[("IN", 7), ("GB", 2), ("US", 2)],
    },
    Origin {
        label: "korean",
        given: &[
            "Min-jun",
            "Seo-yeon",
            "Ji-hoon",
            "Ji-woo",
            "Hyun-woo",
            "Soo-jin",
            "Jae-won",
            "Ha-eun",
            "Dong-hyun",
            "Eun-ji",
            "Sung-min",
            "Yuna",
        ],
        family: &[
            "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han",
            "Shin",
        ],
        homes: &[("KR", 6), ("GB", 2), ("US", 2), ("DE", 1)],
    },
    Origin {
        label: "chinese",
        given: &[
            "Wei", "Jing", "Hao", "Xin", "Yu", "Li", "Ming", "Fang", "Jun", "Lei", "Yan", "Tao",
        ],
        family: &[
            "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
            "Sun",
        ],
        homes: &[("CN", 5), ("GB", 2), ("US", 3), ("DE", 1)],
    },
    Origin {
        label: "japanese",
        given: &[
            "Haruto", "Yui", "Sota", "Hina", "Riku", "Aoi", "Ren", "Sakura",
        ],
        family: &[
            "Sato",
            "Suzuki",
            "Takahashi",
            "Tanaka",
            "Watanabe",
            "Ito",
            "Yamamoto",
            "Nakamura",
        ],
        homes: &[("JP", 8), ("US", 2)],
    },
    Origin {
        label: "nigerian",
        given: &[
            "Chinedu", "Ngozi", "Emeka", "Amaka", "Tunde", "Folake", "Ifeanyi", "Chioma",
        ],
        family: &[
            "Okafor", "Adeyemi", "Okoro", "Balogun", "Eze", "Nwosu", "Adebayo", "Okeke",
        ],
        homes: &[("NG", 6), ("GB", 3), ("US", 1)],
    },
    Origin {
        label: "ukrainian",
        given: &[
            "Oleksandr",
            "Dmytro",
            "Olena",
            "Iryna",
            "Andriy",
            "Kateryna",
            "Taras",
            "Oksana",
        ],
        family: &[
            "Shevchenko",
            "Kovalenko",
            "Bondarenko",
            "Tkachenko",
            "Kravchenko",
            "Melnyk",
            "Boyko",
            "Lysenko",
        ],
        homes: &[("UA", 6), ("PL", 2), ("DE", 2)],
    },
];

/// Names an operator's personas use: Western identities aimed at the
/// countries the defining case targeted (Germany, Portugal, UK, US).
pub const OPERATOR_TARGETS: &[(&str, &str)] = &[
    ("english", "GB"),
    ("english", "US"),
    ("german", "DE"),
    ("portuguese", "PT"),
    ("english", "US"),
    ("dutch", "NL"),
    ("polish", "PL"),
];

pub const SKILLS: &[&str] = &[
    "Rust",
    "Go",
    "TypeScript",
    "React",
    "Node.js",
    "Python",
    "Kubernetes",
    "AWS",
    "Solidity",
    "PostgreSQL",
    "GraphQL",
    "Java",
    "Kotlin",
    "Swift",
    "Terraform",
    "Django",
    "Vue",
    "C++",
];

pub const ROLES: &[&str] = &[
    "backend engineer",
    "full-stack developer",
    "blockchain engineer",
    "mobile developer",
    "DevOps engineer",
    "data engineer",
    "frontend developer",
    "site reliability engineer",
];

pub const COMPANIES: &[&str] = &[
    "Brightlane Ltd",
    "Northwind Systems",
    "Kestrel Labs",
    "Bluefin Software",
    "Orchard Digital",
    "Meridian Tech",
    "Copperleaf GmbH",
    "Solent Data",
    "Tidewater Apps",
    "Granite Cloud",
];

pub const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
];

/// Datacenter and VPN exits operators route through (Vultr, M247,
/// DigitalOcean, Choopa) and a Tor exit block.
pub const VPN16: &[(u8, u8)] = &[(45, 76), (89, 238), (159, 89), (108, 61), (185, 220)];

/// Chinese access networks in the north-east (Liaoning, Jilin), where
/// operators are reported to work from.
pub const CN16: &[(u8, u8)] = &[(175, 167), (175, 160), (221, 207)];

/// The company's corporate VPN egress: many honest workers share it.
pub const CORPORATE_VPN: &[&str] = &["198.51.100.10", "198.51.100.11", "198.51.100.12"];
