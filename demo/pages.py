"""Demo pages for the public site: life situations, measures of support, articles and news, FAQ, contacts and
the databank page. Idempotent: pages are found by slug under their parent and updated in place.

The texts are demo texts. Amounts, conditions and the details of legal acts must be checked against the
law in force before a real launch.
"""

import datetime
import json

from django.conf import settings
from wagtail.models import Page, Site

from demo.databank import SERVICES as DEMO_SERVICES
from directory.models import Category, Service, TargetGroup
from website.models import (
    ArticleIndexPage,
    ArticlePage,
    ContactsPage,
    DirectoryPage,
    FaqPage,
    HomePage,
    LifeSituationPage,
    MeasurePage,
    MeasureService,
    NewsPage,
    SiteOperator,
    TextPage,
)

DEMO_NOTE = (
    "<p>Демонстрационный текст. Размеры выплат, условия и реквизиты нормативных актов нужно проверить "
    "по действующему законодательству и на сайте органа социальной защиты.</p>"
)
TYVA_OKTMO = "93000000"
GOSUSLUGI = "https://www.gosuslugi.ru/"
PRAVO = "http://pravo.gov.ru/"

# slug, title, intro, category codes, target group codes, related measure slugs
LIFE_SITUATIONS = [
    (
        "rodilsya-rebenok",
        "Родился ребёнок",
        "Пособия, молочная кухня, патронаж, помощь маме и малышу.",
        ["A6", "A9", "A2"],
        ["newborn"],
        ["edinoe-posobie", "materinskij-kapital"],
    ),
    (
        "poterya-raboty",
        "Потеря работы",
        "Как встать на учёт в центре занятости, получить пособие и найти работу.",
        ["A8", "A9"],
        [],
        ["socialnyj-kontrakt", "edinoe-posobie", "srochnaya-pomoshch"],
    ),
    (
        "rebenok-s-invalidnostyu",
        "Ребёнок с инвалидностью",
        "Реабилитация, ПМПК, льготы, поддержка родителей.",
        ["A6", "A10", "A13"],
        ["disabled_child"],
        ["besplatnaya-yuridicheskaya-pomoshch"],
    ),
    (
        "nasilie-v-seme",
        "Насилие в семье",
        "Безопасное место, психолог, юрист. В опасности звоните 112.",
        ["A3", "A4", "A11"],
        [],
        ["srochnaya-pomoshch", "besplatnaya-yuridicheskaya-pomoshch"],
    ),
    (
        "zavisimost-v-seme",
        "Зависимость в семье",
        "Лечение, реабилитация, группы поддержки для родных.",
        ["A5", "A4"],
        ["addiction"],
        [],
    ),
    (
        "zhile",
        "Жильё",
        "Временное жильё, ремонт, помощь с коммунальными услугами.",
        ["A7", "A2"],
        [],
        ["materinskij-kapital", "srochnaya-pomoshch"],
    ),
    (
        "razvod-roditelej",
        "Развод родителей",
        "Алименты, порядок общения с ребёнком, поддержка психолога для детей и взрослых.",
        ["A4", "A11", "A14"],
        ["single_parent"],
        ["besplatnaya-yuridicheskaya-pomoshch", "edinoe-posobie"],
    ),
    (
        "rebenok-ploho-uchitsya",
        "Ребёнок плохо учится",
        "Консультация педагога-психолога, ПМПК, занятия и кружки, помощь родителям.",
        ["A13", "A4", "A12"],
        [],
        ["pitanie-shkolnikov"],
    ),
    (
        "podrostok-v-trudnoj-situacii",
        "Подросток в трудной ситуации",
        "Конфликты, уход из дома, проблемы с законом: куда обратиться подростку и родителям.",
        ["A4", "A14", "A3"],
        [],
        ["besplatnaya-yuridicheskaya-pomoshch"],
    ),
    (
        "mnogodetnaya-semya",
        "Многодетная семья",
        "Удостоверение, льготы, питание в школе, помощь с жильём.",
        ["A9", "A7"],
        ["large"],
        ["udostoverenie-mnogodetnoj-semi", "pitanie-shkolnikov", "kompensaciya-za-detskij-sad", "materinskij-kapital"],
    ),
    (
        "semya-uchastnika-svo",
        "Семья участника СВО",
        "Меры поддержки, психологическая и юридическая помощь семьям участников СВО.",
        ["A9", "A4", "A11"],
        ["svo"],
        ["besplatnaya-yuridicheskaya-pomoshch", "kompensaciya-za-detskij-sad"],
    ),
    (
        "beremennost",
        "Беременность",
        "Постановка на учёт, пособия, консультация психолога, если беременность трудная.",
        ["A6", "A9", "A4"],
        ["newborn"],
        ["edinoe-posobie", "materinskij-kapital"],
    ),
    (
        "smert-blizkogo",
        "Смерть близкого",
        "Психологическая поддержка детей и взрослых, срочная помощь, оформление пенсии по потере кормильца.",
        ["A4", "A2", "A11"],
        [],
        ["srochnaya-pomoshch", "besplatnaya-yuridicheskaya-pomoshch"],
    ),
    (
        "pereezd",
        "Переезд",
        "Регистрация, детский сад и школа, знакомство с новым местом.",
        ["A16", "A7", "A13"],
        ["migrants"],
        ["kompensaciya-za-detskij-sad"],
    ),
]


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def _steps(*steps) -> str:
    return json.dumps([{"type": "step", "value": {"title": title, "text": _p(text)}} for title, text in steps])


def _documents(*documents) -> str:
    return json.dumps(
        [
            {"type": "document", "value": {"name": name, "origin": origin, "mandatory": mandatory, "comment": ""}}
            for name, origin, mandatory in documents
        ]
    )


def _body(*paragraphs: str, note: bool = True) -> str:
    blocks = [{"type": "paragraph", "value": _p(text)} for text in paragraphs]
    if note:
        blocks.append({"type": "callout", "value": {"kind": "warning", "text": DEMO_NOTE}})
    return json.dumps(blocks)


PASSPORT = ("Паспорт заявителя", "МВД", True)
BIRTH = ("Свидетельства о рождении детей", "ЗАГС", True)
SNILS = ("СНИЛС заявителя и детей", "Социальный фонд России", True)

MEASURES = [
    {
        "slug": "edinoe-posobie",
        "title": "Единое пособие на детей",
        "provision_form": "money",
        "periodicity": "monthly",
        "groups": ["low_income", "newborn", "single_parent"],
        "legal_basis": "Федеральный закон от 19.05.1995 № 81-ФЗ «О государственных пособиях гражданам, имеющим детей»",
        "oktmo": "",
        "summary": "Ежемесячная выплата семьям с невысоким доходом на детей до 17 лет и беременным женщинам.",
        "body": [
            "Размер пособия — 50, 75 или 100 % регионального прожиточного минимума на ребёнка, в зависимости "
            "от дохода семьи.",
            "Пособие назначается на 12 месяцев, затем нужно подать заявление снова.",
        ],
        "conditions": _p(
            "Среднедушевой доход семьи ниже прожиточного минимума на душу населения в регионе.",
            "Учитываются доходы, имущество и занятость взрослых членов семьи («правило нулевого дохода»).",
        ),
        "steps": [
            ("Подайте заявление", "Через Госуслуги, в клиентской службе Социального фонда или в МФЦ."),
            ("Дождитесь решения", "Обычно решение принимают за 10 рабочих дней."),
            ("Получайте выплату", "Деньги приходят на карту «Мир» ежемесячно."),
        ],
        "documents": [
            PASSPORT,
            BIRTH,
            ("Сведения о доходах, которых нет в государственных базах", "работодатель", False),
        ],
        "categories": ["A9.1", "A9.2"],
        "services": ["mfc_allowance", "sp_allowance"],
        "apply": GOSUSLUGI,
    },
    {
        "slug": "materinskij-kapital",
        "title": "Материнский (семейный) капитал",
        "provision_form": "money",
        "periodicity": "once",
        "groups": ["newborn", "large"],
        "legal_basis": "Федеральный закон от 29.12.2006 № 256-ФЗ «О дополнительных мерах государственной поддержки "
        "семей, имеющих детей»",
        "oktmo": "",
        "summary": "Средства на жильё, образование детей, пенсию мамы или товары для ребёнка с инвалидностью.",
        "body": [
            "Сертификат оформляется при рождении или усыновлении первого или второго ребёнка; при рождении "
            "третьего ребёнка может быть выплачено дополнительно 450 тыс. рублей на погашение ипотеки.",
            "Деньгами на руки капитал не выдаётся, кроме ежемесячной выплаты семьям с невысоким доходом.",
        ],
        "conditions": _p("Ребёнок — гражданин России, рождён или усыновлён с 2007 года."),
        "steps": [
            ("Проверьте сертификат", "Обычно сертификат оформляется сам и приходит в личный кабинет на Госуслугах."),
            ("Выберите направление", "Жильё, образование, пенсия, адаптация ребёнка с инвалидностью."),
            ("Подайте заявление о распоряжении", "Через Госуслуги или в клиентской службе Социального фонда."),
        ],
        "documents": [PASSPORT, BIRTH, ("Документы о покупке жилья или договор на обучение", "продавец, вуз", False)],
        "categories": ["A7.5"],
        "services": ["mfc_mat_capital"],
        "apply": GOSUSLUGI,
    },
    {
        "slug": "kompensaciya-za-detskij-sad",
        "title": "Компенсация родительской платы за детский сад",
        "provision_form": "money",
        "periodicity": "monthly",
        "groups": ["large", "low_income", "svo"],
        "legal_basis": "Статья 65 Федерального закона от 29.12.2012 № 273-ФЗ «Об образовании в Российской "
        "Федерации»; порядок — нормативный акт Республики Тыва",
        "oktmo": TYVA_OKTMO,
        "summary": "Возврат части платы за присмотр и уход за ребёнком в детском саду.",
        "body": [
            "Размер компенсации зависит от того, какой по счёту ребёнок ходит в детский сад, и от правил региона.",
        ],
        "conditions": _p("Ребёнок посещает государственный или муниципальный детский сад, родитель вносит плату."),
        "steps": [
            ("Напишите заявление", "В детском саду или в управлении образования района."),
            ("Получайте компенсацию", "Деньги перечисляются на счёт родителя."),
        ],
        "documents": [PASSPORT, BIRTH, ("Реквизиты банковского счёта", "банк", True)],
        "categories": ["A9.x1"],
        "apply": "",
    },
    {
        "slug": "pitanie-shkolnikov",
        "title": "Бесплатное питание школьников из многодетных семей",
        "provision_form": "natural",
        "periodicity": "other",
        "groups": ["large"],
        "legal_basis": "Указ Президента Российской Федерации от 23.01.2024 № 63 «О мерах социальной поддержки "
        "многодетных семей»; закон Республики Тыва (реквизиты уточняйте)",
        "oktmo": TYVA_OKTMO,
        "summary": "Горячий завтрак или обед в школе без оплаты для детей из многодетных семей.",
        "body": ["Питание предоставляется в учебные дни. Ученики 1–4 классов и так питаются бесплатно."],
        "conditions": _p("Семья имеет статус многодетной, ребёнок учится в государственной или муниципальной школе."),
        "steps": [
            ("Обратитесь в школу", "Напишите заявление на имя директора."),
            ("Приложите удостоверение многодетной семьи", "Или справку органа социальной защиты."),
        ],
        "documents": [PASSPORT, ("Удостоверение многодетной семьи", "орган социальной защиты", True)],
        "categories": ["A9.x2"],
        "apply": "",
    },
    {
        "slug": "socialnyj-kontrakt",
        "title": "Социальный контракт",
        "provision_form": "money",
        "periodicity": "other",
        "groups": ["low_income"],
        "legal_basis": "Федеральный закон от 17.07.1999 № 178-ФЗ «О государственной социальной помощи»",
        "oktmo": TYVA_OKTMO,
        "summary": "Деньги и сопровождение по плану выхода из трудной ситуации: поиск работы, своё дело, "
        "личное подсобное хозяйство.",
        "body": [
            "Семья вместе со специалистом составляет программу социальной адаптации и выполняет её; "
            "выплаты идут, пока действует контракт.",
        ],
        "conditions": _p("Доход семьи ниже прожиточного минимума по причинам, которые от неё не зависят."),
        "steps": [
            ("Обратитесь в центр социальной поддержки", "Или подайте заявление через Госуслуги."),
            ("Составьте программу адаптации", "Вместе со специалистом выберите направление и шаги."),
            ("Заключите контракт", "И отчитывайтесь о выполнении программы."),
        ],
        "documents": [PASSPORT, SNILS, ("Бизнес-план (для открытия своего дела)", "заявитель", False)],
        "categories": ["A8.6"],
        "services": ["sp_benefits_docs", "emp_social_contract"],
        "apply": GOSUSLUGI,
    },
    {
        "slug": "udostoverenie-mnogodetnoj-semi",
        "title": "Удостоверение многодетной семьи",
        "provision_form": "exemption",
        "periodicity": "once",
        "groups": ["large"],
        "legal_basis": "Указ Президента Российской Федерации от 23.01.2024 № 63 «О мерах социальной поддержки "
        "многодетных семей»; закон Республики Тыва (реквизиты уточняйте)",
        "oktmo": TYVA_OKTMO,
        "summary": "Документ, который подтверждает статус многодетной семьи и даёт право на льготы.",
        "body": ["С удостоверением проще получить льготы по транспорту, питанию в школе, посещению музеев и другие."],
        "conditions": _p("В семье трое и более детей до 18 лет (до 23 лет, если учатся очно)."),
        "steps": [
            ("Подайте заявление", "В органе социальной защиты, в МФЦ или через Госуслуги."),
            ("Получите удостоверение", "Бумажное или электронное — в зависимости от правил региона."),
        ],
        "documents": [PASSPORT, BIRTH, ("Фотография заявителя", "", False)],
        "categories": ["A9.1"],
        "services": ["sp_large_family"],
        "apply": GOSUSLUGI,
    },
    {
        "slug": "srochnaya-pomoshch",
        "title": "Срочная социальная помощь",
        "provision_form": "service",
        "periodicity": "once",
        "groups": ["low_income", "migrants"],
        "legal_basis": "Статья 21 Федерального закона от 28.12.2013 № 442-ФЗ «Об основах социального "
        "обслуживания граждан в Российской Федерации»",
        "oktmo": TYVA_OKTMO,
        "summary": "Продуктовый набор, одежда, временное жильё, помощь психолога и юриста — сразу, без долгого "
        "оформления.",
        "body": ["Срочные социальные услуги оказывают комплексные центры социального обслуживания."],
        "conditions": _p("Семья оказалась в трудной ситуации: пожар, потеря жилья, нет средств на еду."),
        "steps": [
            ("Позвоните или придите в центр социального обслуживания", "Расскажите, что случилось."),
            ("Получите помощь", "Решение о срочных услугах принимается сразу."),
        ],
        "documents": [("Паспорт (если сохранился)", "МВД", False)],
        "categories": ["A2.1", "A2.3", "A2.4"],
        "apply": "",
    },
    {
        "slug": "besplatnaya-yuridicheskaya-pomoshch",
        "title": "Бесплатная юридическая помощь",
        "provision_form": "service",
        "periodicity": "other",
        "groups": ["low_income", "disabled_child", "large", "svo"],
        "legal_basis": "Федеральный закон от 21.11.2011 № 324-ФЗ «О бесплатной юридической помощи в Российской "
        "Федерации»",
        "oktmo": "",
        "summary": "Консультации юриста, составление заявлений и жалоб, представительство в суде по ряду дел.",
        "body": ["Помощь оказывают государственное юридическое бюро, адвокаты и юридические клиники вузов."],
        "conditions": _p(
            "Право на помощь имеют малоимущие граждане, родители детей-инвалидов, многодетные семьи, "
            "участники СВО и члены их семей и другие категории."
        ),
        "steps": [
            ("Найдите, куда обратиться", "Список адвокатов и бюро — ниже и в банке данных."),
            ("Возьмите документы", "Подтверждающие право на бесплатную помощь."),
        ],
        "documents": [PASSPORT, ("Справка о малоимущности или иной документ о льготной категории", "соцзащита", True)],
        "categories": ["A2.5", "A11.2", "A11.6"],
        "apply": "",
    },
]

# Review dates of the demo measures: one is overdue, to show the «Меры: пора проверить» report.
DEMO_NEXT_REVIEW = datetime.date(2027, 6, 30)
DEMO_OVERDUE_REVIEW = datetime.date(2026, 1, 15)
DEMO_OVERDUE_SLUGS = {"pitanie-shkolnikov"}

# Pages about violence and abuse: they carry the «Быстрый выход» button.
QUICK_EXIT_SLUGS = {"nasilie-v-seme"}

ARTICLES = [
    (
        "kak-poluchit-edinoe-posobie",
        "Как получить единое пособие: пошаговая инструкция",
        datetime.date(2025, 3, 10),
        "Что учитывают при назначении, почему могут отказать и что делать при отказе.",
    ),
    (
        "gde-najti-psihologa-dlya-podrostka",
        "Где найти психолога для подростка бесплатно",
        datetime.date(2025, 4, 2),
        "Телефон доверия, школьный психолог, центры помощи семье: с чего начать.",
    ),
    (
        "kak-sostavit-zhalobu",
        "Как составить заявление и жалобу в орган власти",
        datetime.date(2025, 5, 20),
        "Что написать, куда отправить и в какие сроки должны ответить.",
    ),
]
NEWS = [
    (
        "otkrylsya-semejnyj-centr",
        "В Кызыле открылся «Мой семейный центр»",
        datetime.date(2025, 6, 1),
        "Семьи могут получить консультации психолога, юриста и специалиста по мерам поддержки в одном месте.",
    ),
    (
        "den-pravovoj-pomoshchi-detyam",
        "20 ноября — Всероссийский день правовой помощи детям",
        datetime.date(2025, 11, 10),
        "Юристы проведут бесплатные консультации для детей и родителей во всех районах республики.",
    ),
]
FAQ = [
    ("Помощь платная?", "Большая часть служб в банке данных помогает бесплатно. Стоимость указана в карточке службы."),
    (
        "Нужно ли называть своё имя?",
        "Нет. Телефон доверия и многие консультации анонимны. Для оформления выплат документы понадобятся.",
    ),
    (
        "Что делать, если отказали в выплате?",
        "Попросите письменный отказ и обратитесь за бесплатной юридической помощью.",
    ),
    ("Я живу в селе. Где ближайшая помощь?", "Выберите свой населённый пункт на странице меры или в поиске."),
    ("Информация устарела. Куда сообщить?", "Напишите нам через страницу «Контакты»: мы проверим и исправим данные."),
]

# «Оператор сайта» (footer, personal data): demo values; the real operator's details are set in the admin
# («Настройки» → «Оператор сайта»).
OPERATOR = {
    "name": "ГБУ «Ресурсный центр сопровождения семей Республики Тыва» (демонстрационные данные)",
    "address": "667000, Республика Тыва, г. Кызыл, ул. Ленина, д. 1",
    "phone": "+73942220000",
    "email": "info@example.ru",
}
POLICY_SLUG = "politika-obrabotki-personalnyh-dannyh"
POLICY_TITLE = "Политика обработки персональных данных"
POLICY_INTRO = (
    "Как оператор сайта обрабатывает и защищает персональные данные посетителей и семей, которые просят о помощи, "
    "по Федеральному закону от 27.07.2006 № 152-ФЗ «О персональных данных»."
)
# (heading, paragraphs) of the policy; «{operator}» is the operator's name.
POLICY = [
    (
        "1. Общие положения",
        [
            "Настоящая политика определяет порядок обработки и меры защиты персональных данных на сайте «Помощь "
            "семьям с детьми» в соответствии с Федеральным законом от 27.07.2006 № 152-ФЗ «О персональных данных».",
            "Оператор персональных данных — {operator}. Сведения об операторе и его контакты указаны внизу каждой "
            "страницы сайта.",
        ],
    ),
    (
        "2. Какие данные мы обрабатываем",
        [
            "Данные, которые вы сообщаете в форме «Попросить о помощи»: имя (можно не указывать настоящее), телефон "
            "или адрес электронной почты для ответа, населённый пункт, описание ситуации и сведения о детях, если вы "
            "их сообщаете.",
            "Технические данные: IP-адрес, дата и время запроса, адрес страницы (журналы сервера), файлы cookie, "
            "нужные для работы сайта (выбор языка, версия для слабовидящих, защита форм). Сайт не использует "
            "сторонние счётчики и рекламные cookie.",
            "Искать службы в банке данных можно без регистрации и без сообщения персональных данных.",
        ],
    ),
    (
        "3. Цели обработки",
        [
            "Ответить на обращение и помочь найти подходящую службу; с вашего согласия — передать обращение "
            "в организацию сети социального сопровождения, которая окажет помощь.",
            "Обеспечить работу и безопасность сайта. Статистика использования ведётся только в обезличенном виде.",
        ],
    ),
    (
        "4. Правовые основания",
        [
            "Обработка ведётся на основании вашего согласия (пункт 1 части 1 статьи 6 Закона № 152-ФЗ), которое вы "
            "даёте, отправляя форму. Сведения о здоровье обрабатываются только с вашего письменного согласия "
            "(статья 10 Закона) или в случаях, прямо предусмотренных законом.",
            "Согласие можно отозвать в любой момент, написав оператору: обработка будет прекращена, а данные "
            "уничтожены в срок, установленный статьёй 21 Закона.",
        ],
    ),
    (
        "5. Передача и хранение",
        [
            "Данные передаются только организациям, в которые вы согласились направить обращение, и органам власти "
            "в случаях, предусмотренных законом. Трансграничная передача не осуществляется.",
            "Данные хранятся на серверах, расположенных в Российской Федерации (часть 5 статьи 18 Закона), не дольше, "
            "чем нужно для целей обработки: обращения — 3 года после закрытия, журналы сервера — 6 месяцев.",
        ],
    ),
    (
        "6. Ваши права",
        [
            "Вы вправе получить сведения об обработке ваших данных, потребовать их уточнения, блокирования или "
            "уничтожения (статья 14 Закона), отозвать согласие и обжаловать действия оператора в Роскомнадзоре "
            "или в суде.",
            "Запросы направляйте по адресу или электронной почте оператора, указанным внизу страницы: ответ — "
            "в течение 10 рабочих дней.",
        ],
    ),
    (
        "7. Защита данных",
        [
            "Оператор принимает правовые, организационные и технические меры защиты (статья 19 Закона): "
            "шифрование соединения, разграничение доступа, двухфакторный вход сотрудников, журналирование "
            "действий с данными, резервное копирование.",
        ],
    ),
]


def _policy_body(operator: str) -> str:
    blocks = [
        {"type": "paragraph", "value": f"<h2>{heading}</h2>" + _p(*(text.format(operator=operator) for text in texts))}
        for heading, texts in POLICY
    ]
    blocks.append({"type": "callout", "value": {"kind": "warning", "text": DEMO_NOTE}})
    return json.dumps(blocks)


def load_demo_site_operator(home: Page) -> TextPage:
    """The demo personal data policy page and the «Оператор сайта» settings of the site that links it."""
    policy = _upsert(
        home,
        TextPage,
        POLICY_SLUG,
        title=POLICY_TITLE,
        intro=POLICY_INTRO,
        body=_policy_body(OPERATOR["name"]),
        revised_at=datetime.date(2026, 1, 15),
    )
    site = Site.objects.filter(root_page=home).first() or Site.objects.filter(is_default_site=True).first()
    if site is not None:
        operator = SiteOperator.for_site(site)
        for name, value in OPERATOR.items():
            setattr(operator, name, value)
        operator.privacy_policy = policy
        operator.save()
    return policy


def _upsert(parent: Page, model, slug: str, **fields):
    """Create the page under `parent` or update it; many-to-many values are passed as `m2m={name: queryset}`,
    inline child rows as `children={name: [unsaved rows]}` (they replace the rows the page had)."""
    m2m = fields.pop("m2m", {})
    children = fields.pop("children", {})
    page = model.objects.child_of(parent).filter(slug=slug).first()
    created = page is None
    if created:
        page = model(slug=slug, **fields)
    else:
        for name, value in fields.items():
            setattr(page, name, value)
    for name, value in m2m.items():
        getattr(page, name).set(value)
    for name, rows in children.items():
        setattr(page, name, rows)
    if created:
        parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def demo_services(keys) -> list[Service]:
    """The published demo services made from these templates of the databank (`demo.databank`):
    one per organisation that offers it, in the order of the keys, then by organisation."""
    names = [DEMO_SERVICES[key].name for key in keys if key in DEMO_SERVICES]
    rows = Service.objects.filter(organization__is_demo=True, status=Service.Status.PUBLISHED, name__in=names)
    return sorted(rows.select_related("organization"), key=lambda s: (names.index(s.name), s.organization.name, s.pk))


def load_demo_pages() -> int:
    home = HomePage.objects.filter(locale__language_code=settings.LANGUAGE_CODE).first()
    if home is None:
        return 0
    Page.objects.filter(pk=home.pk).update(live=True)
    home.refresh_from_db()
    count = 0
    categories = {c.code: c for c in Category.objects.all()}
    groups = {g.code: g for g in TargetGroup.objects.all()}

    measures = {}
    for m in MEASURES:
        measures[m["slug"]] = _upsert(
            home,
            MeasurePage,
            m["slug"],
            title=m["title"],
            provision_form=m["provision_form"],
            periodicity=m["periodicity"],
            legal_basis=m["legal_basis"],
            legal_basis_url=PRAVO,
            oktmo=m["oktmo"],
            reviewed_at=datetime.date(2025, 1, 15),
            review_date=DEMO_OVERDUE_REVIEW if m["slug"] in DEMO_OVERDUE_SLUGS else DEMO_NEXT_REVIEW,
            summary=m["summary"],
            body=_body(*m["body"]),
            conditions=m["conditions"],
            steps=_steps(*m["steps"]),
            documents=_documents(*m["documents"]),
            apply_online_url=m["apply"],
            m2m={
                "categories": [categories[c] for c in m["categories"] if c in categories],
                "recipient_groups": [groups[g] for g in m["groups"] if g in groups],
            },
            children={
                "service_links": [
                    MeasureService(service=s, sort_order=i) for i, s in enumerate(demo_services(m.get("services", [])))
                ]
            },
        )
        count += 1

    for slug, title, intro, category_codes, group_codes, measure_slugs in LIFE_SITUATIONS:
        _upsert(
            home,
            LifeSituationPage,
            slug,
            title=title,
            intro=intro,
            show_quick_exit=slug in QUICK_EXIT_SLUGS,
            m2m={
                "categories": [categories[c] for c in category_codes if c in categories],
                "target_groups": [groups[g] for g in group_codes if g in groups],
                "related_measures": [measures[s] for s in measure_slugs],
            },
        )
        count += 1

    index = _upsert(
        home,
        ArticleIndexPage,
        "stati-i-novosti",
        title="Статьи и новости",
        intro="Объясняем, как получить помощь, и рассказываем о новостях служб помощи семьям.",
    )
    count += 1
    for model, rows in ((ArticlePage, ARTICLES), (NewsPage, NEWS)):
        for slug, title, date, intro in rows:
            _upsert(index, model, slug, title=title, date=date, intro=intro, body=_body(intro, note=False))
            count += 1

    faq_items = [{"type": "faq", "value": {"question": q, "answer": _p(a)}} for q, a in FAQ]
    _upsert(
        home,
        FaqPage,
        "voprosy-i-otvety",
        title="Вопросы и ответы",
        intro="Ответы на частые вопросы о помощи семьям с детьми.",
        items=json.dumps(faq_items),
    )
    _upsert(
        home,
        ContactsPage,
        "kontakty",
        title="Контакты",
        body=_p(
            "Банк данных ведёт ресурсный центр (демонстрационные данные).",
            "Если сведения о службе устарели, напишите на адрес info@example.ru.",
        ),
        show_hotlines=True,
    )
    _upsert(
        home,
        DirectoryPage,
        "bank-dannyh",
        title="Банк данных служб помощи",
        intro="Организации, которые помогают семьям с детьми: найдите нужную помощь по виду, району или словам.",
    )
    load_demo_site_operator(home)
    from .translations import load_demo_translations

    return count + 4 + load_demo_translations()
