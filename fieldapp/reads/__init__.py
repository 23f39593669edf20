"""What pages show: plain functions over the store, no Flask. Every function that finds people
takes the user and goes through rules/access.person_filter; one given a person id expects the
caller (web/guards.audited_person_or_404) to have checked that the user may see them."""
