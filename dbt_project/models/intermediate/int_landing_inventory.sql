{#-
  Which optional landing entities this run was given, as data: metrics that need an absent entity
  come out NULL (the dimension's missing-value rule then applies) rather than 0.
-#}
select
    {{ landing_supplied('payments') }} as payments_supplied,
    {{ landing_supplied('interactions') }} as interactions_supplied,
    {{ landing_supplied('salespeople') }} as salespeople_supplied
