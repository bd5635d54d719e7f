-- Warns with the number of quarantined landing lines; they never reach a zone, and the
-- table landing_rejected_records says which lines and why.
{{ config(severity='warn') }}

select * from {{ ref('landing_rejected_records') }}
