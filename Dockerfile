FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock requirements-ldap.lock ./
# Directory sign-in (LDAP_SERVER_URI) needs python-ldap, built against OpenLDAP's and SASL's
# headers; the build tools are removed again, the shared libraries stay.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libldap-dev libsasl2-dev \
 && pip install --no-cache-dir -r requirements.lock -r requirements-ldap.lock \
 && apt-get purge -y build-essential libldap-dev libsasl2-dev && apt-get autoremove -y \
 && apt-get install -y --no-install-recommends libldap-2.5-0 libsasl2-2 \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN DJANGO_SETTINGS_MODULE=complaints_portal.settings.local python manage.py collectstatic --noinput
RUN useradd --system --home /app portal && mkdir -p /app/var && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "complaints_portal.wsgi", "--workers", "3", "--bind", "0.0.0.0:8000"]
