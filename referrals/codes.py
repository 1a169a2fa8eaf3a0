"""Fixed code lists of the referral network (labels from the federal model programme, seed 002).

Codes are stable identifiers stored in the database and in exports; labels are what people read.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CURATOR = "curator", _("куратор семьи")
    HEAD = "head", _("руководитель")
    PARTNER_INTAKE = "partner_intake", _("приём направлений")
    PARTNER_SPECIALIST = "partner_specialist", _("исполнитель")
    COORDINATOR = "coordinator", _("координатор межведомственной рабочей группы")
    ADMIN = "admin", _("администратор")


class CaseGround(models.TextChoices):
    """Основания для начала процедуры (§8.2)."""

    APPLICATION = "application", _("письменное заявление родителя (законного представителя)")
    PERSON = "person", _("сообщение физического лица")
    ORGANIZATION = "organization", _("сообщение организации")
    HELPLINE = "helpline", _("сообщение детского телефона доверия")
    PREVENTION_BODY = "prevention_body", _("сообщение органа системы профилактики")


class FamilyCategory(models.TextChoices):
    """Категории и типы семей с детьми (§5.2). `SOCIAL_DANGER` never leaves the workspace."""

    FOSTER = "foster", _("замещающая")
    DISABLED_CHILD = "disabled_child", _("воспитывающая детей-инвалидов")
    HEALTH_LIMITS_0_3 = "health_limits_0_3", _("воспитывающая детей с ОВЗ от рождения до 3 лет")
    LARGE = "large", _("многодетная")
    LOW_INCOME = "low_income", _("малообеспеченная")
    REFUSAL_INTENT = "refusal_intent", _("имеющая намерение отказаться от ребёнка")
    SINGLE_PARENT = "single_parent", _("с одним родителем")
    SOCIAL_DANGER = "social_danger", _("находящаяся в социально опасном положении")
    MIGRANT = "migrant", _("переселенцев, беженцев")
    ADDICTION = "addiction", _("родители страдают алкогольной или наркотической зависимостью")


class Circumstance(models.TextChoices):
    """Обстоятельства, обуславливающие нуждаемость в социальном сопровождении (§5.3)."""

    UNEMPLOYMENT = "unemployment", _("отсутствие работы у родителей")
    PARENT_CHILD_CRISIS = "parent_child_crisis", _("кризис детско-родительских отношений")
    VIOLENCE = "violence", _("признаки насилия, жестокого обращения с ребёнком")
    NO_CLOTHES_FOOD = "no_clothes_food", _("отсутствие у ребёнка необходимой одежды, регулярного питания")
    SANITARY = "sanitary", _("несоблюдение санитарно-гигиенических условий")
    LOSS_OF_CONTROL = "loss_of_control", _("утрата родителями контроля за поведением детей")
    MEDICAL_NEED = "medical_need", _("потребность ребёнка в специализированной медицинской помощи")
    ACCESSIBLE_ENVIRONMENT = "accessible_environment", _("потребность в доступной среде, обучении ребёнка-инвалида")
    LIFE_THREAT = "life_threat", _("конфликт в семье, угрожающий жизни")
    POVERTY = "poverty", _("доход ниже полуторной величины прожиточного минимума")


class SupportLevel(models.TextChoices):
    ADAPTATION = "adaptation", _("адаптационный")
    BASIC = "basic", _("базовый (профилактический)")
    CRISIS = "crisis", _("кризисный")
    EMERGENCY = "emergency", _("экстренный")


class CaseStatus(models.TextChoices):
    INTAKE = "intake", _("первичный приём")
    ON_SUPPORT = "on_support", _("на сопровождении")
    CLOSED = "closed", _("сопровождение прекращено")


class ClosureReason(models.TextChoices):
    GOAL_REACHED = "goal_reached", _("цель достигнута, проблема решена")
    TERM_EXPIRED = "term_expired", _("истечение срока сопровождения")
    FAMILY_REFUSED = "family_refused", _("отказ семьи")
    TERMS_BROKEN = "terms_broken", _("невыполнение условий программы одной из сторон")
    CHILD_ADULT = "child_adult", _("достижение ребёнком 18 лет")
    OTHER_SERVICE = "other_service", _("переход к другим формам социального обслуживания")
    OTHER = "other", _("иное")


class Relation(models.TextChoices):
    MOTHER = "mother", _("мать")
    FATHER = "father", _("отец")
    GUARDIAN = "guardian", _("опекун (попечитель)")
    CHILD = "child", _("ребёнок")
    GRANDPARENT = "grandparent", _("бабушка, дедушка")
    OTHER = "other", _("другой родственник")


class DataCategory(models.TextChoices):
    """What a consent lets partners see. Health needs explicit written consent (152-ФЗ, ст. 10)."""

    CONTACTS = "contacts", _("контакты (ФИО, телефон)")
    ADDRESS = "address", _("адрес")
    COMPOSITION = "composition", _("состав семьи")
    HEALTH = "health", _("сведения о здоровье")
    SOCIAL = "social", _("социальные обстоятельства")
    EDUCATION = "education", _("образование")


class ResponsibilityZone(models.TextChoices):
    FAMILY = "family", _("семья")
    CURATOR = "curator", _("куратор")
    PARTNER = "partner", _("организация-партнёр")


class MeasureForm(models.TextChoices):
    INDIVIDUAL = "individual", _("индивидуальная")
    GROUP = "group", _("групповая")


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("проект")
    APPROVED = "approved", _("утверждена рабочей группой")
    REJECTED = "rejected", _("отклонена рабочей группой")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("в плановом порядке")
    URGENT = "urgent", _("срочно")


class DeclineReason(models.TextChoices):
    NOT_OUR_PROFILE = "not_our_profile", _("услуга не по профилю организации")
    NO_CAPACITY = "no_capacity", _("нет свободных мест или специалистов")
    OUT_OF_AREA = "out_of_area", _("семья вне территории обслуживания")
    NOT_ELIGIBLE = "not_eligible", _("семья не соответствует условиям получения услуги")
    INSUFFICIENT_INFO = "insufficient_info", _("недостаточно сведений для принятия")
    OTHER = "other", _("иное")


class Outcome(models.TextChoices):
    PROVIDED = "provided", _("помощь оказана в полном объёме")
    PARTLY = "partly", _("помощь оказана частично")
    REDIRECTED = "redirected", _("семья направлена в другую организацию")


class NotCompletedReason(models.TextChoices):
    FAMILY_DID_NOT_COME = "family_did_not_come", _("семья не пришла")
    FAMILY_REFUSED = "family_refused", _("семья отказалась от помощи")
    UNREACHABLE = "unreachable", _("не удалось связаться с семьёй")
    CIRCUMSTANCES_CHANGED = "circumstances_changed", _("обстоятельства изменились")
    OTHER = "other", _("иное")


ACCESS_PURPOSES = {
    "case": _("ведение случая"),
    "referral": _("работа по направлению"),
    "print": _("печать направления"),
    "attachment": _("просмотр вложения"),
}
