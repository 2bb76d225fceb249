function (user, context, callback) {
  var urls = @@URLS@@;
  var region = ##REGION##;
  context.idToken['https://example.com/urls'] = urls.concat([region]);
  callback(null, user, context);
}
