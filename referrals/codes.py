"""Fixed code lists of the referral network (labels from the seeds' wording).

Codes are stable identifiers stored in the database and in exports; labels are what people read. The lists a
region sets for itself (support levels, family categories, circumstances of need, closure, decline, outcome and
«not completed» reasons) are data of the region profile: see `referrals/profiles.py`.
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
    # Reads the access log and the security events of the whole network (every opening is itself logged).
    AUDITOR = "auditor", _("аудитор сети")


class CaseGround(models.TextChoices):
    """Основания для начала процедуры (§8.2)."""

    APPLICATION = "application", _("письменное заявление родителя (законного представителя)")
    PERSON = "person", _("сообщение физического лица")
    ORGANIZATION = "organization", _("сообщение организации")
    HELPLINE = "helpline", _("сообщение детского телефона доверия")
    PREVENTION_BODY = "prevention_body", _("сообщение органа системы профилактики")


class CaseStatus(models.TextChoices):
    """Этапы сопровождения семьи (001, алгоритмы, этапы I–VII)."""

    INTAKE = "intake", _("сбор информации и первичная диагностика")
    ACCEPTED = "accepted", _("принята на сопровождение, договор не заключён")
    ON_SUPPORT = "on_support", _("на сопровождении")
    POST_SUPPORT = "post_support", _("постсопровождение")
    CLOSED = "closed", _("снята с учёта")
    NOT_ACCEPTED = "not_accepted", _("не принята на сопровождение")


# Support has ended in these stages: no new measures, referrals or programme versions.
ENDED_STATUSES = frozenset({CaseStatus.POST_SUPPORT, CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED})
# Off the register (снята с учёта, не принята): the curator's desk no longer lists them.
OFF_REGISTER_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED})
# Stages in which a case counts towards its curator's caseload.
ACTIVE_STATUSES = frozenset({CaseStatus.INTAKE, CaseStatus.ACCEPTED, CaseStatus.ON_SUPPORT})


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("запланировано")
    DONE = "done", _("выполнено")
    NOT_DONE = "not_done", _("не выполнено")


class ConsiliumKind(models.TextChoices):
    DEPARTMENTAL = "departmental", _("ведомственный социальный консилиум")
    INTERAGENCY = "interagency", _("межведомственная рабочая группа")


class AgendaKind(models.TextChoices):
    """Рассмотрения случая на консилиуме (001, этапы IV и VI): первичное, контрольное, итоговое."""

    PRIMARY = "primary", _("первичное рассмотрение")
    CONTROL = "control", _("контрольное рассмотрение")
    FINAL = "final", _("итоговое рассмотрение")


class Decision(models.TextChoices):
    ACCEPT = "accept", _("принять на сопровождение")
    NOT_ACCEPT = "not_accept", _("не принимать на сопровождение")
    CONTINUE = "continue", _("продолжить сопровождение")
    AMEND = "amend", _("скорректировать ИПСС")
    EXTEND = "extend", _("продлить срок сопровождения")
    CLOSE = "close", _("прекратить сопровождение")


class PostSupportContact(models.TextChoices):
    VISIT = "visit", _("посещение семьи")
    CALL = "call", _("звонок")
    MEETING = "meeting", _("встреча в организации")


class Relation(models.TextChoices):
    MOTHER = "mother", _("мать")
    FATHER = "father", _("отец")
    GUARDIAN = "guardian", _("опекун (попечитель)")
    CHILD = "child", _("ребёнок")
    GRANDPARENT = "grandparent", _("бабушка, дедушка")
    OTHER = "other", _("другой родственник")


# What the security log (SecurityEvent.kind) says happened, in the words the log pages show. The codes are written by
# referrals/security.py, lockout.py and the retention commands; an unknown code is shown as it is.
SECURITY_EVENT_KINDS = {
    "login": _("вход"),
    "logout": _("выход"),
    "login_failed": _("неудачная попытка входа"),
    "lockout_account": _("учётная запись заблокирована"),
    "lockout_address": _("адрес заблокирован"),
    "unlock_account": _("блокировка учётной записи снята"),
    "unlock_address": _("блокировка адреса снята"),
    "2fa_change": _("второй фактор изменён"),
    "role_change": _("роль изменена"),
    "deactivated": _("учётная запись отключена"),
    "export": _("выгрузка"),
    "evidence_purge": _("записи журналов удалены или перешифрованы"),
    "network_log_view": _("просмотр журнала сети"),
}


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


ACCESS_PURPOSES = {
    "case": _("ведение случая"),
    "referral": _("работа по направлению"),
    "print": _("печать направления"),
    "attachment": _("просмотр вложения"),
    "document": _("печать документа"),
    "register": _("журнал учёта"),
}
