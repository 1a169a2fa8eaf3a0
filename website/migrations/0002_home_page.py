"""Make a HomePage the root of the default site (replacing Wagtail's «Welcome» page)."""

from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("website.HomePage")

    if HomePage.objects.exists():
        return
    Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="website")
    locale, _ = Locale.objects.get_or_create(language_code="ru")
    homepage = HomePage.objects.create(
        title="Помощь семьям с детьми",
        draft_title="Помощь семьям с детьми",
        slug="home",
        content_type=content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
    )
    Page.objects.filter(depth=1).update(numchild=1)
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": homepage, "port": 80}
    )


class Migration(migrations.Migration):
    dependencies = [("website", "0001_initial"), ("wagtailcore", "0001_initial")]

    operations = [migrations.RunPython(create_homepage, migrations.RunPython.noop)]
