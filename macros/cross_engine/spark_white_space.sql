{#
    A Spark SQL string literal of white-space characters, for btrim(): Java's \s
    ([ \t\n\x0B\f\r]) and, with unicode=true, also \p{Z} (every Unicode space and separator).
    btrim with these characters does what a regular expression would, several times faster,
    which counts on every landing line.
#}
{% macro spark_white_space(unicode=false) -%}
    {%- set ascii = ['0009', '000A', '000B', '000C', '000D', '0020'] -%}
    {%- set separators = [
        '00A0', '1680', '2000', '2001', '2002', '2003', '2004', '2005', '2006', '2007', '2008',
        '2009', '200A', '2028', '2029', '202F', '205F', '3000'
    ] -%}
    '{% for code in ascii + (separators if unicode else []) %}\u{{ code }}{% endfor %}'
{%- endmacro %}
