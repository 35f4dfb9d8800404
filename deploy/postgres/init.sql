-- One database per service: no service reads another's data.
CREATE DATABASE einvoice_identity;
CREATE DATABASE einvoice_organisation;
CREATE DATABASE einvoice_invoicing;
CREATE DATABASE einvoice_notifications;
CREATE DATABASE einvoice_partners;
