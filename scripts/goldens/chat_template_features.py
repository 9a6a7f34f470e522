"""Small templates that each exercise one part of the Jinja subset; rendered by make_chat_template_goldens.py.

Each entry is (name, template source, context). Sources use real newlines and indentation on purpose: the
whitespace rules (trim_blocks, lstrip_blocks, -/+ markers) are part of what is compared.
"""

MSGS = [{"role": "user", "content": " hi "}, {"role": "assistant", "content": "yo"},
        {"role": "user", "content": "bye"}]

FEATURES = [
    ("whitespace_trim_lstrip", "a\n  {% if true %}\n    b\n  {% endif %}\nc\n{# comment #}\nd  {#- x -#}  e\n{{ 'v' }}\nf", {}),
    ("whitespace_minus_plus", "x  {%- if true -%}  y  {%- endif -%}  z\n  {%+ if true %}p{% endif +%}\nq", {}),
    ("trailing_newline_dropped", "line\n", {}),
    ("crlf_source", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc", {}),
    ("raw_block", "{% raw %}{{ not evaluated }}{% endraw %}!", {}),
    ("loop_vars", "{% for m in messages %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}"
                  "/{{ loop.first }}/{{ loop.last }}/{{ loop.length }}/{{ loop.previtem.role if loop.previtem else '-' }}"
                  "/{{ loop.nextitem.role if loop.nextitem else '-' }}|{% endfor %}", {"messages": MSGS}),
    ("loop_else_filter_controls", "{% for x in [] %}no{% else %}empty{% endfor %} "
                                  "{% for x in range(10) if x % 2 == 0 %}{% if x > 6 %}{% break %}{% endif %}"
                                  "{% if x == 2 %}{% continue %}{% endif %}{{ x }}:{{ loop.length }} {% endfor %}", {}),
    ("loop_cycle_unpack", "{% for k, v in {'a': 1, 'b': [2, 3]}.items() %}{{ loop.cycle('odd', 'even') }}-{{ k }}={{ v }};{% endfor %}", {}),
    ("scoping", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + 10 %}{{ x }},{% endfor %}{{ x }}"
                "{% if true %}{% set y = 5 %}{% endif %}{{ y }}", {}),
    ("namespace", "{% set ns = namespace(count=0, names=[]) %}{% for m in messages %}{% set ns.count = ns.count + 1 %}"
                  "{% set ns.names = ns.names + [m.role] %}{% endfor %}{{ ns.count }} {{ ns.names }}"
                  "{% set ns2 = namespace() %}{% set ns2.z = 'set' %}{{ ns2.z }}", {"messages": MSGS}),
    ("macro_call", "{% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('Ann') }} {{ greet('Bob', '?') }} {{ greet(punct='.', name='Cy') }}"
                   "{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}inside{% endcall %}", {}),
    ("macro_recursive", "{% macro t(s) %}{% if s is mapping %}{ {% for k, v in s.items() %}{{ k }}: {{ t(v) }} {% endfor %}}"
                        "{% elif s is string %}'{{ s }}'{% else %}{{ s }}{% endif %}{% endmacro %}{{ t(data) }}",
     {"data": {"a": {"b": "c", "d": 1.5}, "e": [1, 2]}}),
    ("set_block_filter_block", "{% set body %}  Some Text  {% endset %}[{{ body|trim }}]{% filter upper %}shout {{ 'it' }}{% endfilter %}", {}),
    ("string_filters", "{{ '  Hi There  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ 'abc'|upper }}|{{ 'ABC'|lower }}|{{ 'hello world'|capitalize }}"
                       "|{{ 'hello wORLD-foo (bar)'|title }}|{{ 'a-b-c'|replace('-', '+') }}|{{ 'aaa'|replace('a', 'b', 2) }}"
                       "|{{ '<a href=\"x\">&</a>'|escape }}|{{ 'x'|safe }}|{{ 'Ünïcödé'|upper }}|{{ 'ÀÉÎ'|lower }}|{{ 'two words here'|wordcount }}", {}),
    ("number_filters", "{{ '42'|int + 1 }}|{{ '3.7'|int }}|{{ 'x'|int }}|{{ 'x'|int(7) }}|{{ 3.9|int }}|{{ '2.5'|float }}|{{ 'x'|float }}"
                       "|{{ 2.5|round }}|{{ 3.5|round }}|{{ 3.14159|round(2) }}|{{ 2.675|round(2) }}|{{ 3.1|round(0, 'ceil') }}"
                       "|{{ -3|abs }}|{{ -2.5|abs }}|{{ 10|float }}|{{ 1e15|int }}", {}),
    ("sequence_filters", "{{ items|length }}|{{ items|first }}|{{ items|last }}|{{ items|join(', ') }}|{{ items|reverse|list }}"
                         "|{{ items|sort }}|{{ items|sort(reverse=true) }}|{{ ['b', 'A', 'a', 'B']|unique|list }}|{{ [3, 1, 2]|sum }}"
                         "|{{ [3, 1, 2]|min }}|{{ [3, 1, 2]|max }}|{{ 'abc'|list }}|{{ 'abc'|first }}|{{ {'b': 1, 'a': 2}|dictsort }}"
                         "|{{ 'hello'|length }}|{{ '日本語'|length }}|{{ [1, 2, 3]|map('string')|join('-') }}",
     {"items": ["pear", "Apple", "fig"]}),
    ("attr_filters", "{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ messages|rejectattr('role', 'equalto', 'user')|map(attribute='content')|list }}"
                     "|{{ messages|map(attribute='content')|join('+') }}|{{ messages|map(attribute='missing', default='?')|list }}"
                     "|{{ [0, 1, '', 'x', none]|select|list }}|{{ [1, 2, 3, 4]|reject('odd')|list }}|{{ [1, 2, 3]|select('gt', 1)|list }}"
                     "|{{ messages|selectattr('content')|list|count }}|{{ messages|sort(attribute='content')|map(attribute='role')|join }}",
     {"messages": MSGS}),
    ("items_and_dict_methods", "{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}|{{ d.keys()|list }}|{{ d.values()|list }}"
                               "|{{ d.get('a') }}|{{ d.get('zz') }}|{{ d.get('zz', 'dflt') }}|{{ d['b'] }}|{{ d.b }}|{{ d|length }}|{{ 'a' in d }}|{{ 'q' in d }}",
     {"d": {"b": 2, "a": 1, "c": [1, {"x": None}]}}),
    ("tojson", "{{ d|tojson }}\n{{ d|tojson(indent=2) }}\n{{ d|tojson(sort_keys=true) }}\n{{ d|tojson(separators=(',', ':')) }}\n"
               "{{ 'é\"\\n\\t\\u0001'|tojson }}|{{ 'é'|tojson(ensure_ascii=true) }}|{{ [1.0, 1e-7, 1e22, -0.0, 123456789.123, true, none]|tojson }}"
               "|{{ []|tojson(indent=2) }}|{{ {}|tojson(indent=2) }}|{{ 'x'|tojson(indent=4) }}|{{ '😀'|tojson(ensure_ascii=true) }}",
     {"d": {"name": "f", "args": {"z": 1, "a": [True, False, None, 2.5, "s"]}, "empty": {}, "list": []}}),
    ("python_str_repr", "{{ [1, 'a', none, true, 2.5, {'k': ['v']}] }}|{{ {'q': \"it's\", 'r': 'say \"hi\"'} }}|{{ none }}|{{ true }}"
                        "|{{ 1.0 }}|{{ 1e16 }}|{{ 1e-5 }}|{{ 0.0001 }}|{{ 123456789012345678 }}|{{ 1/3 }}|{{ ['a\\nb'] }}", {}),
    ("string_methods", "{{ s.startswith('He') }}|{{ s.endswith(('x', 'ld')) }}|{{ s.split() }}|{{ s.split('o') }}|{{ s.split('o', 1) }}"
                       "|{{ s.rsplit('o', 1) }}|{{ '  pad  '.strip() }}|{{ '\\n\\nx\\n'.lstrip('\\n') }}|{{ 'xx--'.rstrip('-') }}|{{ s.upper() }}"
                       "|{{ s.lower() }}|{{ 'hello wORLD'.title() }}|{{ s.replace('l', 'L') }}|{{ s.find('o') }}|{{ s.count('l') }}"
                       "|{{ '-'.join(['a', 'b']) }}|{{ '{} and {}'.format('x', 'y') }}|{{ '{0}{name}'.format('a', name='b') }}"
                       "|{{ 'a\\nb\\n'.splitlines() }}|{{ '123'.isdigit() }}|{{ 'a b  c '.split(none, 1) }}",
     {"s": "Hello World"}),
    ("slicing_subscripts", "{{ l[1:] }}|{{ l[:-1] }}|{{ l[::-1] }}|{{ l[::2] }}|{{ l[-2] }}|{{ l[10] }}|{{ s[1:4] }}|{{ s[::-1] }}"
                           "|{{ s[-1] }}|{{ '日本語テキスト'[2:5] }}|{{ l.0 }}|{{ l[5:1:-2] }}",
     {"l": [0, 1, 2, 3, 4, 5, 6], "s": "abcdef"}),
    ("operators", "{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 7 / 2 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ -7 % 3 }}|{{ 7 % -3 }}|{{ 2 ** 10 }}"
                  "|{{ 2 ** -1 }}|{{ 'a' ~ 1 ~ none }}|{{ 'ab' * 3 }}|{{ [1] * 3 }}|{{ [1] + [2] }}|{{ 1 + 1.5 }}|{{ 1 == 1.0 }}"
                  "|{{ 1 < 2 < 3 }}|{{ 3 > 2 > 5 }}|{{ 'a' < 'b' }}|{{ 1 in [1, 2] }}|{{ 3 not in [1, 2] }}|{{ 'ell' in 'hello' }}"
                  "|{{ not true }}|{{ true and 'x' }}|{{ '' or 'fallback' }}|{{ 0 or none }}|{{ 'y' if false }}|{{ 'y' if true else 'n' }}"
                  "|{{ -3 + +2 }}|{{ 10 - 2 - 3 }}|{{ 2 ** 3 ** 2 }}|{{ 1.5 // 1 }}|{{ 5.5 % 2 }}", {}),
    ("tests", "{{ x is defined }}{{ y is defined }}{{ y is undefined }}{{ n is none }}{{ s is string }}{{ d is mapping }}{{ l is iterable }}"
              "{{ s is iterable }}{{ y is iterable }}{{ 3 is number }}{{ true is number }}{{ 3 is integer }}{{ 3.0 is float }}"
              "{{ true is boolean }}{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}"
              "{{ 'a' is equalto 'a' }}{{ 2 is eq 2 }}{{ 2 is ne 3 }}{{ 1 is lt 2 }}{{ 'b' is in 'abc' }}{{ 'abc' is lower }}"
              "{{ 'ABC' is upper }}{{ d is sequence }}{{ l is sequence }}{{ 3 is sequence }}{{ x is not none }}{{ range is callable }}"
              "{{ none is sameas none }}{{ d is not mapping }}",
     {"x": 1, "n": None, "s": "str", "d": {"k": 1}, "l": [1]}),
    ("undefined_behaviour", "[{{ missing }}][{{ missing|default('dflt') }}][{{ ''|default('e', true) }}][{{ missing|length }}]"
                            "[{% for a in missing %}x{% endfor %}][{{ obj.nope }}][{{ obj.nope is defined }}][{{ missing|trim }}]"
                            "[{{ obj['nope'] }}][{{ missing == missing }}][{{ missing ~ 'x' }}][{{ none.attr is defined }}]"
                            "[{{ 'x' if missing }}][{{ missing|d('d') }}][{{ obj.nope|default('n') }}][{{ missing|list }}]",
     {"obj": {"yes": 1}}),
    ("literals_escapes", "{{ 'single \\'q\\'' }}|{{ \"double \\\"q\\\"\" }}|{{ 'tab\\there' }}|{{ 'uni\\u00e9\\x41' }}|{{ 'adj' 'acent' }}"
                         "|{{ [1, 2,] }}|{{ {'a': 1,} }}|{{ (1, 2) }}|{{ 1_000 }}|{{ 1.5e3 }}|{{ True }}{{ False }}{{ None }}|{{ 'back\\\\slash' }}"
                         "|{{ 'unknown \\d escape' }}|{{ 'multi\nline' }}", {}),
    ("strftime_now", "{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%d %B %Y') }}|{{ strftime_now('%A %j %b') }}", {}),
    ("raise_exception", "before{{ raise_exception('Custom failure: ' ~ reason) }}after", {"reason": "roles must alternate"}),
    ("range_dict_globals", "{{ range(3)|list }}|{{ range(1, 10, 3)|list }}|{{ range(5, 0, -2)|list }}|{{ dict(a=1, b='x') }}"
                           "|{{ namespace(v=2).v }}|{{ range(0)|list }}", {}),
    ("generation_block", "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}"
                         "{% else %}{{ m.content }}{% endif %};{% endfor %}", {"messages": MSGS}),
    ("nested_data_access", "{{ messages[0]['content'] }}|{{ messages[-1].content }}|{{ messages[1:]|map(attribute='role')|join(',') }}"
                           "|{{ cfg.a.b[1].c }}|{{ cfg['a']['b'][0] }}",
     {"messages": MSGS, "cfg": {"a": {"b": [10, {"c": "deep"}]}}}),
    ("error_add_str_int", "{{ 'a' + 1 }}", {}),
    ("error_undefined_attr", "{{ missing.attr }}", {}),
    ("error_none_iter", "{% for x in n %}{% endfor %}", {"n": None}),
]
