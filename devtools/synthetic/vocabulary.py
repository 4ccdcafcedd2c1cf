"""The fake world's vocabulary: the word lists and fixed facts the generator draws from.

Given and family names, cities (which name the universities), companies, publishers with
their DOI prefixes, venues, the phrases paper titles are made of, awards, degrees, jobs, courses
and the span of years. Only data, no logic. The generator picks from these by position, so
changing a list, even its order, changes the lab every seed gives.
"""

from publications.enums import VenueKind

FIRST_YEAR = 2000
LAST_YEAR = 2025

GIVEN_NAMES = (
    "Aiko", "Alejandro", "Amara", "Anders", "Ananya", "Bao", "Beatriz", "Chen", "Chiara",
    "Dmitri", "Elif", "Emeka", "Fatima", "Felix", "Hana", "Haruto", "Ines", "Ioana", "Jae-won",
    "Jiahui", "Jonas", "Kai", "Kavya", "Lars", "Leila", "Lucía", "Mateo", "Mei", "Min-jun",
    "Nadia", "Nikhil", "Noor", "Olga", "Omar", "Priya", "Qinghao", "Rafael", "Rui", "Sakura",
    "Santiago", "Sofia", "Søren", "Tariq", "Thanh", "Tomás", "Wei", "Xinyu", "Yara", "Yusuf",
    "Zeynep", "Zhiyuan", "Zoë", "Arjun", "Bjørn", "Camila", "Darius", "Eun-ji", "Farah",
    "Gabriel", "Hyun", "Isabel", "Jun", "Kenji", "Lin", "Marta", "Nam", "Pablo", "Ravi",
    "Shu", "Tian", "Uma", "Viktor", "Xiao", "Yan", "Zhen",
)  # fmt: skip
FAMILY_NAMES = (
    "Abe", "Ahmed", "Andersen", "Bauer", "Becker", "Chan", "Chen", "Cheng", "Costa", "Dubois",
    "Fernández", "Fischer", "García", "Gupta", "Haddad", "Hansen", "Ho", "Hu", "Huang", "Ivanova",
    "Jensen", "Kim", "Kowalski", "Kumar", "Lam", "Lee", "Li", "Lin", "Liu", "López", "Ma",
    "Martin", "Müller", "Nakamura", "Nguyen", "Novak", "Okafor", "Park", "Pereira", "Petrov",
    "Rossi", "Sánchez Pérez", "Sato", "Schmidt", "Shah", "Silva", "Singh", "Sun", "Suzuki",
    "Tan", "Tanaka", "Tran", "Wang", "Weber", "Wong", "Wu", "Xu", "Yamamoto", "Yang", "Yilmaz",
    "Zhang", "Zhao", "Zhou", "Öztürk", "Berg", "Cohen", "Dias", "Eriksen", "Farouk", "Gao",
    "Han", "Iyer", "Jung", "Khan", "Luo",
)  # fmt: skip

CITIES = (
    ("Clearwater", "HK"), ("Northbridge", "GB"), ("Lakeshore", "US"), ("Eastvale", "US"),
    ("Riverton", "CA"), ("Hillcrest", "AU"), ("Stonebrook", "DE"), ("Westmere", "NZ"),
    ("Harborview", "SG"), ("Pinecrest", "CH"), ("Redcliff", "FR"), ("Silverlake", "JP"),
    ("Oakridge", "KR"), ("Maplewood", "NL"), ("Fairhaven", "SE"), ("Brightwater", "CN"),
    ("Ashford", "IE"), ("Kingsport", "IN"), ("Greystone", "IT"), ("Sunvale", "ES"),
)  # fmt: skip
COMPANIES = (
    "Northwind Systems", "Contoso Research", "Fabrikam Cloud", "Initech Labs", "Globex AI",
    "Umbrella Compute", "Hooli Networks", "Stark Silicon", "Wayne Data", "Tyrell Devices",
    "Soylent Storage", "Cyberdyne Systems",
)  # fmt: skip
PUBLISHERS = (
    ("ACM", "Association for Computing Machinery", "1145"),
    ("IEEE", "Institute of Electrical and Electronics Engineers", "1109"),
    ("USENIX", "USENIX Association", "5555"),
    ("Springer", "Springer Nature", "1007"),
)

# (short name, name, kind, publisher short name), ordered so that any prefix mixes the kinds.
VENUES = (
    ("NSDI", "USENIX Symposium on Networked Systems Design and Implementation",
     VenueKind.CONFERENCE, "USENIX"),
    ("ToN", "IEEE/ACM Transactions on Networking", VenueKind.JOURNAL, "IEEE"),
    ("HotNets", "ACM Workshop on Hot Topics in Networks", VenueKind.WORKSHOP, "ACM"),
    ("arXiv", "arXiv", VenueKind.PREPRINT, ""),
    ("SIGCOMM", "ACM SIGCOMM Conference", VenueKind.CONFERENCE, "ACM"),
    ("OSDI", "USENIX Symposium on Operating Systems Design and Implementation",
     VenueKind.CONFERENCE, "USENIX"),
    ("TPDS", "IEEE Transactions on Parallel and Distributed Systems", VenueKind.JOURNAL, "IEEE"),
    ("HotOS", "Workshop on Hot Topics in Operating Systems", VenueKind.WORKSHOP, "ACM"),
    ("SOSP", "ACM Symposium on Operating Systems Principles", VenueKind.CONFERENCE, "ACM"),
    ("EuroSys", "European Conference on Computer Systems", VenueKind.CONFERENCE, "ACM"),
    ("JSAC", "IEEE Journal on Selected Areas in Communications", VenueKind.JOURNAL, "IEEE"),
    ("APNet", "Asia-Pacific Workshop on Networking", VenueKind.WORKSHOP, "ACM"),
    ("ATC", "USENIX Annual Technical Conference", VenueKind.CONFERENCE, "USENIX"),
    ("INFOCOM", "IEEE International Conference on Computer Communications",
     VenueKind.CONFERENCE, "IEEE"),
    ("TOCS", "ACM Transactions on Computer Systems", VenueKind.JOURNAL, "ACM"),
    ("MLSys", "Conference on Machine Learning and Systems", VenueKind.CONFERENCE, ""),
    ("SIGMOD", "ACM SIGMOD International Conference on Management of Data",
     VenueKind.CONFERENCE, "ACM"),
    ("VLDB", "International Conference on Very Large Data Bases", VenueKind.CONFERENCE, ""),
    ("CoNEXT", "ACM International Conference on emerging Networking EXperiments and Technologies",
     VenueKind.CONFERENCE, "ACM"),
    ("SoCC", "ACM Symposium on Cloud Computing", VenueKind.CONFERENCE, "ACM"),
    ("CSUR", "ACM Computing Surveys", VenueKind.JOURNAL, "ACM"),
    ("EdgeSys", "International Workshop on Edge Systems, Analytics and Networking",
     VenueKind.WORKSHOP, "ACM"),
    ("ASPLOS", "International Conference on Architectural Support for Programming Languages "
     "and Operating Systems", VenueKind.CONFERENCE, "ACM"),
    ("FAST", "USENIX Conference on File and Storage Technologies", VenueKind.CONFERENCE,
     "USENIX"),
    ("ICDCS", "IEEE International Conference on Distributed Computing Systems",
     VenueKind.CONFERENCE, "IEEE"),
    ("SC", "International Conference for High Performance Computing, Networking, Storage and "
     "Analysis", VenueKind.CONFERENCE, "IEEE"),
    ("TC", "IEEE Transactions on Computers", VenueKind.JOURNAL, "IEEE"),
    ("ICML", "International Conference on Machine Learning", VenueKind.CONFERENCE, ""),
    ("NeurIPS", "Conference on Neural Information Processing Systems", VenueKind.CONFERENCE, ""),
    ("login", "USENIX ;login:", VenueKind.OTHER, "USENIX"),
)  # fmt: skip

SYSTEM_PREFIXES = (
    "Fuse", "Hydra", "Nimbus", "Zephyr", "Atlas", "Orca", "Tidal", "Quill", "Helix", "Ember",
    "Lumen", "Vortex", "Cobalt", "Sable", "Pulse", "Rivet", "Kestrel", "Mosaic", "Prism", "Slate",
)  # fmt: skip
SYSTEM_SUFFIXES = (
    "Link", "Flow", "Net", "DB", "Serve", "Train", "Cache", "Sched", "Shard", "Store", "Mesh",
    "Scope", "Guard", "Pipe", "Stream",
)  # fmt: skip
ADJECTIVES = (
    "Efficient", "Scalable", "Fast", "Robust", "Adaptive", "Practical", "Elastic",
    "Fault-Tolerant", "Low-Latency", "Energy-Efficient", "Cost-Effective", "Predictable",
    "Secure", "Decentralized", "Learned",
)  # fmt: skip
SUBJECTS = (
    "GPU Communication", "Congestion Control", "Load Balancing", "Resource Scheduling",
    "Memory Management", "Data Placement", "Gradient Compression", "Packet Processing",
    "Model Serving", "Query Optimization", "Cache Management", "Network Telemetry",
    "Flow Scheduling", "Checkpointing", "Pipeline Parallelism", "Failure Recovery",
)  # fmt: skip
DOMAINS = (
    "Large Model Training", "Datacenter Networks", "Distributed Deep Learning", "Cloud Storage",
    "Edge Computing", "LLM Inference", "Federated Learning", "RDMA Networks",
    "Stream Processing", "Serverless Computing", "Mixture-of-Experts Models",
    "Recommendation Systems", "Multi-Tenant Clusters", "Wide-Area Networks",
)  # fmt: skip
TECHNIQUES = (
    "Programmable Switches", "SmartNICs", "Reinforcement Learning", "Speculative Execution",
    "In-Network Aggregation", "Approximate Computing", "Tensor Compilers", "Graph Partitioning",
)  # fmt: skip
TITLE_TEMPLATES = (
    "{system}: {adjective} {subject} for {domain}",
    "{adjective} {subject} for {domain}",
    "Towards {adjective} {subject} in {domain}",
    "{system}: Accelerating {domain} with {technique}",
    "Rethinking {subject} for {domain}",
    "{system}: {subject} with {technique} at Scale",
    "Understanding {subject} in Production {domain}",
)

PAPER_AWARDS = (
    "Best Paper Award",
    "Distinguished Paper Award",
    "Best Student Paper Award",
    "Community Award",
    "Best Artifact Award",
)
PERSON_AWARDS = (
    "Ph.D. Fellowship",
    "Doctoral Dissertation Award",
    "Early Career Award",
    "Rising Star Award",
    "Outstanding Teaching Assistant Award",
    "Research Excellence Scholarship",
)
DEGREES = (
    ("Ph.D. in Computer Science", 5),
    ("M.Phil. in Computer Science and Engineering", 2),
    ("M.S. in Electrical Engineering", 2),
    ("B.Eng. in Computer Science", 4),
    ("B.S. in Mathematics", 4),
)
JOBS = (
    "Software Engineer",
    "Research Scientist",
    "Assistant Professor",
    "Associate Professor",
    "Staff Engineer",
    "Postdoctoral Researcher",
)
COURSES = (
    "COMP 3511 - Operating Systems",
    "COMP 4621 - Computer Communication Networks",
    "COMP 2012 - Object-Oriented Programming and Data Structures",
)

# The lab's faculty by rank: the first is the lab's head.
FACULTY_TITLES = ("Professor", "Associate Professor", "Assistant Professor", "Assistant Professor")
